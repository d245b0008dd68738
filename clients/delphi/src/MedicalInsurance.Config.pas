// Hand-written: the client's configuration (spec §9.2.1 file, §9.2.2 environment) and THE retry policy.
//
//   Config := TMIConfig.Load('config.json');     // argument > env > config file > default
//   if Policy.Delay('money', Failure, Attempt, Wait) then Sleep(Wait) else raise ...
//
// The retry rules are the Python SDK's sdk/_retry.py, rule for rule: a query may be asked again when the
// answer was lost or the server failed (retryable 5xx); a write or money call only when it provably never
// left (connection refused) or on a 429 refusal at the door — never otherwise.
unit MedicalInsurance.Config;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes, MedicalInsurance.Json, MedicalInsurance.Errors;

type
  TMIConfig = class
  public
    ApiBaseUrl: string;
    ApiKey: string;
    InstitutionCode: string;
    JwtToken: string;
    Timeout: Double;         // seconds per attempt
    MaxAttempts: Integer;    // attempts in total, the first one included
    BackoffFactor: Double;   // first wait in seconds; doubles per attempt, jittered
    MaxBackoff: Double;
    MaxRetryAfter: Double;   // a longer Retry-After is not slept through: the error goes to the caller
    constructor Create;
    procedure ApplyFile(const Path: string);
    // Env: NAME=value lines; nil reads the process environment
    procedure ApplyEnv(Env: TStrings = nil);
    // defaults, then the file (if any), then the environment
    class function Load(const ConfigPath: string = ''; Env: TStrings = nil): TMIConfig;
  end;

  TMIFailureKind = (fkNotSent, fkLost, fkAnswered);

  TMIFailure = record
    Kind: TMIFailureKind;
    Error: EMedicalInsurance;   // owned by whoever raises or frees it
    Status: Integer;            // HTTP status; 0 without an answer
    RetryAfter: Double;         // the Retry-After header, seconds; -1 none
    Proxy: Boolean;             // an HTTP error page without the gateway's JSON (a proxy answered)
  end;

  TMIRandom = function: Double of object;

  TMIRetryPolicy = class
  private
    FConfig: TMIConfig;
    function DefaultRandom: Double;
  public
    RandomFn: TMIRandom;   // [0, 1): tests pin it
    constructor Create(Config: TMIConfig);
    // seconds to wait before attempt Attempt + 1 in Wait, or False: give the error to the caller
    function Delay(const Safety: string; const Failure: TMIFailure; Attempt: Integer; out Wait: Double): Boolean;
    function MaxAttempts(const Failure: TMIFailure): Integer;
    function Backoff(Attempt: Integer): Double;
  end;

function ReadTextFile(const Path: string): string;

implementation

function ReadTextFile(const Path: string): string;
var
  Stream: TFileStream;
  Bytes: TBytes;
begin
  Stream := TFileStream.Create(Path, fmOpenRead or fmShareDenyWrite);
  try
    SetLength(Bytes, Stream.Size);
    if Length(Bytes) > 0 then Stream.ReadBuffer(Bytes[0], Length(Bytes));
  finally
    Stream.Free;
  end;
{$IFDEF UNICODE}
  Result := TEncoding.UTF8.GetString(Bytes);
{$ELSE}
  SetString(Result, PAnsiChar(@Bytes[0]), Length(Bytes));
{$ENDIF}
end;

// '30' / '1.5' as Double (config values, not amounts)
function ToSeconds(const Text: string; Default: Double): Double;
var
  FS: TFormatSettings;
begin
{$IFDEF FPC}
  FS := DefaultFormatSettings;
{$ELSE}
  FS := TFormatSettings.Create;
{$ENDIF}
  FS.DecimalSeparator := '.';
  Result := StrToFloatDef(Text, Default, FS);
end;

{ ---------------------------------------------------------------------------------------- TMIConfig }

constructor TMIConfig.Create;
begin
  inherited Create;
  Timeout := 30;
  MaxAttempts := 3;
  BackoffFactor := 1.5;
  MaxBackoff := 30;
  MaxRetryAfter := 60;
end;

procedure TMIConfig.ApplyFile(const Path: string);
var
  Doc, S, Retry: TJValue;
begin
  Doc := ParseJson(ReadTextFile(Path));
  try
    S := Doc.Get('medical_insurance');
    if S = nil then S := Doc;   // the section itself
    if S.Get('api_base_url') <> nil then ApiBaseUrl := S.S('api_base_url');
    if S.Get('api_key') <> nil then ApiKey := S.S('api_key');
    if S.Get('institution_code') <> nil then InstitutionCode := S.S('institution_code');
    if S.Get('jwt_token') <> nil then JwtToken := S.S('jwt_token');
    if S.Get('timeout') <> nil then Timeout := ToSeconds(S.S('timeout'), Timeout);
    if S.Get('max_retries') <> nil then MaxAttempts := StrToIntDef(S.S('max_retries'), MaxAttempts);
    Retry := S.Get('retry');
    if (Retry <> nil) and (Retry.Kind = jkObject) then
    begin
      if Retry.Get('max_attempts') <> nil then MaxAttempts := StrToIntDef(Retry.S('max_attempts'), MaxAttempts);
      if Retry.Get('backoff_factor') <> nil then BackoffFactor := ToSeconds(Retry.S('backoff_factor'), BackoffFactor);
      if Retry.Get('max_backoff') <> nil then MaxBackoff := ToSeconds(Retry.S('max_backoff'), MaxBackoff);
      if Retry.Get('max_retry_after') <> nil then MaxRetryAfter := ToSeconds(Retry.S('max_retry_after'), MaxRetryAfter);
    end;
  finally
    Doc.Free;
  end;
end;

procedure TMIConfig.ApplyEnv(Env: TStrings);

  function Value(const Name: string): string;
  begin
    if Env <> nil then Result := Env.Values[Name] else Result := GetEnvironmentVariable(Name);
  end;

begin
  if Value('MEDICAL_INSURANCE_API_URL') <> '' then ApiBaseUrl := Value('MEDICAL_INSURANCE_API_URL');
  if Value('MEDICAL_INSURANCE_API_KEY') <> '' then ApiKey := Value('MEDICAL_INSURANCE_API_KEY');
  if Value('MEDICAL_INSURANCE_INSTITUTION_CODE') <> '' then InstitutionCode := Value('MEDICAL_INSURANCE_INSTITUTION_CODE');
  if Value('MEDICAL_INSURANCE_JWT_TOKEN') <> '' then JwtToken := Value('MEDICAL_INSURANCE_JWT_TOKEN');
  if Value('MEDICAL_INSURANCE_TIMEOUT') <> '' then Timeout := ToSeconds(Value('MEDICAL_INSURANCE_TIMEOUT'), Timeout);
  if Value('MEDICAL_INSURANCE_MAX_RETRIES') <> '' then
    MaxAttempts := StrToIntDef(Value('MEDICAL_INSURANCE_MAX_RETRIES'), MaxAttempts);
end;

class function TMIConfig.Load(const ConfigPath: string; Env: TStrings): TMIConfig;
begin
  Result := TMIConfig.Create;
  try
    if ConfigPath <> '' then Result.ApplyFile(ConfigPath);
    Result.ApplyEnv(Env);
    if (Result.ApiBaseUrl <> '') and (Result.ApiBaseUrl[Length(Result.ApiBaseUrl)] <> '/') then
      Result.ApiBaseUrl := Result.ApiBaseUrl + '/';
    if Result.MaxAttempts < 1 then Result.MaxAttempts := 1;
  except
    Result.Free;
    raise;
  end;
end;

{ ----------------------------------------------------------------------------------- TMIRetryPolicy }

constructor TMIRetryPolicy.Create(Config: TMIConfig);
begin
  inherited Create;
  FConfig := Config;
  RandomFn := DefaultRandom;
end;

function TMIRetryPolicy.DefaultRandom: Double;
begin
  Result := Random;
end;

function TMIRetryPolicy.MaxAttempts(const Failure: TMIFailure): Integer;
begin
  // the error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1)
  Result := FConfig.MaxAttempts;
  if (Failure.Kind = fkAnswered) and (Failure.Error <> nil) and (Failure.Error.MaxRetry >= 0)
    and (Failure.Error.MaxRetry + 1 < Result) then
    Result := Failure.Error.MaxRetry + 1;
end;

function TMIRetryPolicy.Backoff(Attempt: Integer): Double;
var
  Base: Double;
  I: Integer;
begin
  Base := FConfig.BackoffFactor;
  for I := 2 to Attempt do Base := Base * 2;
  if Base > FConfig.MaxBackoff then Base := FConfig.MaxBackoff;
  // half to full delay: many HIS workstations retrying at once must not hit the gateway in step
  Result := Base * (0.5 + RandomFn / 2);
end;

function TMIRetryPolicy.Delay(const Safety: string; const Failure: TMIFailure; Attempt: Integer;
  out Wait: Double): Boolean;
var
  Hint: Double;
begin
  Wait := 0;
  Result := False;
  if Attempt >= MaxAttempts(Failure) then Exit;
  // The request never left this machine: sending it is safe for every kind of call.
  if Failure.Kind = fkNotSent then
  begin
    Wait := Backoff(Attempt);
    Exit(True);
  end;
  // A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
  if Failure.Status = 429 then
  begin
    Hint := Failure.RetryAfter;
    if (Hint < 0) and (Failure.Error <> nil) then Hint := Failure.Error.RetryAfter;
    if Hint < 0 then
    begin
      Wait := Backoff(Attempt);
      Exit(True);
    end;
    Wait := Hint;
    Exit(Hint <= FConfig.MaxRetryAfter);
  end;
  // From here on the request may have been processed: only reads may be asked again.
  if Safety <> 'query' then Exit;
  // A lost answer to a read: ask again.
  if Failure.Kind = fkLost then
  begin
    Wait := Backoff(Attempt);
    Exit(True);
  end;
  // A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
  if (Failure.Status >= 500) and (Failure.Error <> nil) and Failure.Error.Retry then
  begin
    Wait := Backoff(Attempt);
    Exit(True);
  end;
  // Everything else (validation, permission, business refusals) gets the same answer every time.
end;

end.
