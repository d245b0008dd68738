// The Delphi client's test program: unit tests always, live tests against the gateway of clients/harness.py
// when MEDICAL_INSURANCE_API_URL is set (argument "unit" runs the unit tests only).  Closing line:
// `N passed, N failed`; exit code 1 on any failure.
program MedicalInsuranceTests;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  SysUtils, TestSupport, UnitTests, LiveTests;

begin
  Randomize;
  RunUnitTests;
  if (ParamStr(1) <> 'unit') and (GetEnvironmentVariable('MEDICAL_INSURANCE_API_URL') <> '') then RunLiveTests;
  Halt(Summary);
end.
