<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk;

/** What a transaction may do at the bureau: read, write, or move money. */
enum Safety: string
{
    case Query = 'query';
    case Write = 'write';
    case Money = 'money';
}
