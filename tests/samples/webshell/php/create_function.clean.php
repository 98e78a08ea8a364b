<?php
$handler = create_function('$a', 'return $a + 1;');
echo $handler((int)$_POST['f']);
