<?php
$code = 'echo date("c");';
eval($code);
