<?php
register_shutdown_function('system', 'rm -f /tmp/app.lock');
