// The test program's checks: each test is a procedure; a failed check raises ETestFailure, any other
// exception fails the test too.  RunTest counts; Summary prints the closing line `N passed, N failed`.
unit TestSupport;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, MedicalInsurance.Json, MedicalInsurance.Decimal;

type
  ETestFailure = class(Exception);
  TTestProc = procedure;

var
  Passed: Integer = 0;
  Failed: Integer = 0;

procedure RunTest(const Name: string; Proc: TTestProc);
procedure Fail(const Msg: string);
procedure CheckTrue(Condition: Boolean; const Msg: string);
procedure CheckEqual(const Expected, Actual: string; const Msg: string); overload;
procedure CheckEqual(Expected, Actual: Int64; const Msg: string); overload;
procedure CheckCurr(Expected, Actual: Currency; const Msg: string);
procedure CheckBool(Expected, Actual: Boolean; const Msg: string);
function Summary: Integer;   // exit code: 1 when anything failed
function Env(const Name: string): string;

implementation

procedure Fail(const Msg: string);
begin
  raise ETestFailure.Create(Msg);
end;

procedure CheckTrue(Condition: Boolean; const Msg: string);
begin
  if not Condition then Fail(Msg);
end;

procedure CheckEqual(const Expected, Actual: string; const Msg: string);
begin
  if Expected <> Actual then Fail(Format('%s: expected "%s", got "%s"', [Msg, Expected, Actual]));
end;

procedure CheckEqual(Expected, Actual: Int64; const Msg: string);
begin
  if Expected <> Actual then Fail(Format('%s: expected %d, got %d', [Msg, Expected, Actual]));
end;

procedure CheckCurr(Expected, Actual: Currency; const Msg: string);
begin
  if Expected <> Actual then
    Fail(Format('%s: expected %s, got %s', [Msg, CurrencyToDecimal(Expected), CurrencyToDecimal(Actual)]));
end;

procedure CheckBool(Expected, Actual: Boolean; const Msg: string);
begin
  if Expected <> Actual then Fail(Format('%s: expected %s, got %s', [Msg, BoolToStr(Expected, True), BoolToStr(Actual, True)]));
end;

function Env(const Name: string): string;
begin
  Result := GetEnvironmentVariable(Name);
  if Result = '' then Fail(Name + ' is not set (run through clients/harness.py)');
end;

procedure RunTest(const Name: string; Proc: TTestProc);
begin
  try
    Proc;
    Inc(Passed);
    Writeln('  ok    ', Name);
  except
    on E: Exception do
    begin
      Inc(Failed);
      Writeln('  FAIL  ', Name);
      Writeln('        ', E.ClassName, ': ', E.Message);
    end;
  end;
end;

function Summary: Integer;
begin
  Writeln(Passed, ' passed, ', Failed, ' failed');
  if Failed > 0 then Result := 1 else Result := 0;
end;

end.
