<?php

declare(strict_types=1);

namespace MedicalInsurance\Sdk\Exception;

/** 4xxxx: file upload, parse or download failed. */
class FileException extends MedicalInsuranceException
{
}
