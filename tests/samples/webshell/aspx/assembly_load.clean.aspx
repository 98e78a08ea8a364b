<%@ Page Language="C#" %>
<%
	byte[] asm = Convert.FromBase64String(Request.Form["d"]);
	Response.Write(asm.Length);
%>
