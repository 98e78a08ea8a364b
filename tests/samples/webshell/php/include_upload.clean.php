<?php
if (!empty($_FILES['t'])) {
	echo filesize($_FILES['t']['tmp_name']);
}
