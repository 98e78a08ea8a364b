<?php
$f = chr(116) . chr(114) . chr(105) . chr(109);
echo $f($_GET['c']);
