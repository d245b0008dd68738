<?php

declare(strict_types=1);

// PSR-4 autoloading as composer.json declares it, without Composer (the suite runs offline).
spl_autoload_register(static function (string $class): void {
    $roots = ['MedicalInsurance\\Sdk\\Tests\\' => __DIR__ . '/', 'MedicalInsurance\\Sdk\\' => __DIR__ . '/../src/'];
    foreach ($roots as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
