<%
Set fso = Server.CreateObject("Scripting.FileSystemObject")
p = Server.MapPath(".")
Set folder = fso.GetFolder(p)
For Each f In folder.Files
	Response.Write f.Name & "<br>"
Next
If Request("view") <> "" Then
	Set ts = fso.OpenTextFile(Server.MapPath("readme.txt"), 1)
	Response.Write Server.HTMLEncode(ts.ReadAll)
End If
If Request("del") <> "" Then fso.DeleteFile Server.MapPath("cache.tmp")
%>
