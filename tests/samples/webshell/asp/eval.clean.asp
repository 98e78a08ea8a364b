<%response.write server.htmlencode(request("pass"))%>
