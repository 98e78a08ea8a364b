<script language="vbscript" runat="server">
Response.Write(Server.HTMLEncode(Request.Item("p")))
</script>
