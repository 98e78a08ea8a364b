<?php
$h = fopen('cache.txt', 'w');
fwrite($h, gmdate('c'));
fclose($h);
