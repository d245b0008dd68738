// Hand-written: the client's exceptions, one class per code family as in the Python SDK (exceptions.py).
//
//   except on E: EOutcomeUnknown do ...   // a money call whose outcome is unknown: Retry is always False
//   except on E: EMedicalInsurance do Writeln(E.Code, ' ', E.Message, ' retry=', E.Retry);
//
// Messages stay in Chinese as the gateway sends them; the table defaults come from the generated error table.
unit MedicalInsurance.Errors;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, MedicalInsurance.Generated.Registry;

type
  TMIFieldError = record
    Code: Integer;
    Path: string;
    Message: string;
  end;

  EMedicalInsurance = class(Exception)
  public
    Code: Integer;
    Retry: Boolean;
    RetryAfter: Double;     // seconds; -1 when none
    MaxRetry: Integer;      // the table's limit of re-sends; -1 when none
    HttpStatus: Integer;    // 0 when no HTTP answer
    RequestId: string;
    Msgid: string;
    Infno: string;
    Infcode: Integer;       // the bureau's infcode when it answered; MaxInt when not
    Errors: array of TMIFieldError;
    constructor CreateCode(ACode: Integer; const AMessage: string);
  end;
  EMedicalInsuranceClass = class of EMedicalInsurance;

  EMIRequestError = class(EMedicalInsurance);
  EMIAuthentication = class(EMedicalInsurance);
  EMIPermissionDenied = class(EMedicalInsurance);
  EMIRateLimit = class(EMedicalInsurance);
  EMIServiceUnavailable = class(EMedicalInsurance);
  EMIInterfaceError = class(EMedicalInsurance);
  EMIUnsupportedInterface = class(EMIInterfaceError);
  EMIBureauError = class(EMIInterfaceError);
  EMIResponseFormat = class(EMIInterfaceError);
  EMIBureauTimeout = class(EMIInterfaceError);
  EMIDuplicateMessage = class(EMIInterfaceError);
  EMIDataValidation = class(EMedicalInsurance);
  EMIFileError = class(EMedicalInsurance);
  EMIBusiness = class(EMedicalInsurance);
  EMIBureauRefusal = class(EMIBusiness);   // a 5xxxx code the bureau itself answered (Infcode set)
  EMISystemError = class(EMedicalInsurance);

  // Unknown outcome of a write/money call: it may have taken effect.  Resolve it (query by Msgid, or the
  // gateway's compensation) — never send it again.  Retry is False always.
  EOutcomeUnknown = class(EMedicalInsurance)
  public
    Outcome: string;   // 'unknown' while compensation runs, 'reversed' once undone
    constructor CreateOutcome(ACode: Integer; const AMessage, AOutcome: string);
  end;

function ErrorClass(Code: Integer): EMedicalInsuranceClass;
// the exception for Code with the table's defaults (message when AMessage is empty, retry, retry_after)
function ErrorFor(Code: Integer; const AMessage: string; AInfcode: Integer = MaxInt): EMedicalInsurance;
function FindErrorCode(Code: Integer; out Entry: TMIErrorCode): Boolean;

implementation

function FindErrorCode(Code: Integer; out Entry: TMIErrorCode): Boolean;
var
  I: Integer;
begin
  for I := Low(MI_ERROR_CODES) to High(MI_ERROR_CODES) do
    if MI_ERROR_CODES[I].Code = Code then
    begin
      Entry := MI_ERROR_CODES[I];
      Exit(True);
    end;
  Result := False;
end;

constructor EMedicalInsurance.CreateCode(ACode: Integer; const AMessage: string);
var
  Entry: TMIErrorCode;
begin
  Code := ACode;
  RetryAfter := -1;
  MaxRetry := -1;
  Infcode := MaxInt;
  if FindErrorCode(ACode, Entry) then
  begin
    Retry := Entry.Retry;
    RetryAfter := Entry.RetryAfter;
    MaxRetry := Entry.MaxRetry;
    if AMessage = '' then
    begin
      inherited Create(Entry.Message);
      Exit;
    end;
  end;
  inherited Create(AMessage);
end;

constructor EOutcomeUnknown.CreateOutcome(ACode: Integer; const AMessage, AOutcome: string);
begin
  CreateCode(ACode, AMessage);
  Outcome := AOutcome;
  Retry := False;
  RetryAfter := -1;
end;

function ErrorClass(Code: Integer): EMedicalInsuranceClass;
begin
  case Code of
    10001, 10002, 10003, 10006, 20010: Result := EMIRequestError;
    10007, 10008, 20008, 20009: Result := EMIAuthentication;
    10009: Result := EMIPermissionDenied;
    10004: Result := EMIRateLimit;
    10005, 10010: Result := EMIServiceUnavailable;
    20001, 20002: Result := EMIUnsupportedInterface;
    20003: Result := EMIInterfaceError;
    20004: Result := EMIResponseFormat;
    20005: Result := EMIBureauTimeout;
    20006: Result := EMIBureauError;
    20007: Result := EMIDuplicateMessage;
  else
    case Code div 10000 of
      3: Result := EMIDataValidation;
      4: Result := EMIFileError;
      5: Result := EMIBusiness;
      6: Result := EMISystemError;
    else
      Result := EMedicalInsurance;
    end;
  end;
end;

function ErrorFor(Code: Integer; const AMessage: string; AInfcode: Integer): EMedicalInsurance;
var
  Cls: EMedicalInsuranceClass;
begin
  Cls := ErrorClass(Code);
  if (Cls = EMIBusiness) and (AInfcode <> MaxInt) then Cls := EMIBureauRefusal;
  Result := Cls.CreateCode(Code, AMessage);
  Result.Infcode := AInfcode;
end;

end.
