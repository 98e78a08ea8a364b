<?php
$f = str_rot13('fgegbhccre');
echo $f(base64_decode($_REQUEST['z']));
