// Unit tests of the hand-written core: exact decimals and JSON, the retry policy for each safety class, the
// request loop against a scripted transport (no network), error mapping, input normalisation, config.
unit UnitTests;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

procedure RunUnitTests;

implementation

uses
  SysUtils, Classes, TestSupport, MedicalInsurance.Json, MedicalInsurance.Decimal, MedicalInsurance.Errors, MedicalInsurance.Config,
  MedicalInsurance.Http, MedicalInsurance.Nodes, MedicalInsurance.Core, MedicalInsurance.Generated.Registry,
  MedicalInsurance.Generated.Requests, MedicalInsurance.Generated.Results, MedicalInsurance.SDK;

type
  TStep = record
    Kind: TMIHttpKind;
    Status: Integer;
    Body: string;
    RetryAfter: string;
  end;

  // answers from a script, records what was sent
  TFakeTransport = class
  public
    Steps: array of TStep;
    Calls: Integer;
    RequestIds, RetryCounts, Urls, Bodies, Idempotency: TStringList;
    Sleeps: Integer;
    constructor Create;
    destructor Destroy; override;
    procedure Add(Kind: TMIHttpKind; Status: Integer; const Body: string; const RetryAfter: string = '');
    function Send(const Method, Url: string; Headers: TStrings; const Body: string; TimeoutMs: Integer;
      out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind;
    procedure Sleep(Seconds: Double);
  end;

constructor TFakeTransport.Create;
begin
  RequestIds := TStringList.Create;
  RetryCounts := TStringList.Create;
  Urls := TStringList.Create;
  Bodies := TStringList.Create;
  Idempotency := TStringList.Create;
end;

destructor TFakeTransport.Destroy;
begin
  RequestIds.Free;
  RetryCounts.Free;
  Urls.Free;
  Bodies.Free;
  Idempotency.Free;
  inherited;
end;

procedure TFakeTransport.Add(Kind: TMIHttpKind; Status: Integer; const Body, RetryAfter: string);
begin
  SetLength(Steps, Length(Steps) + 1);
  Steps[High(Steps)].Kind := Kind;
  Steps[High(Steps)].Status := Status;
  Steps[High(Steps)].Body := Body;
  Steps[High(Steps)].RetryAfter := RetryAfter;
end;

function TFakeTransport.Send(const Method, Url: string; Headers: TStrings; const Body: string; TimeoutMs: Integer;
  out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind;
var
  Step: TStep;
begin
  if Calls > High(Steps) then raise Exception.Create('transport called more often than scripted');
  Step := Steps[Calls];
  Inc(Calls);
  RequestIds.Add(Headers.Values['X-Request-ID']);
  RetryCounts.Add(Headers.Values['X-Retry-Count']);
  Idempotency.Add(Headers.Values['Idempotency-Key']);
  Urls.Add(Method + ' ' + Url);
  Bodies.Add(Body);
  Resp.Status := Step.Status;
  Resp.Body := Step.Body;
  Resp.RetryAfter := Step.RetryAfter;
  Resp.ContentType := 'application/json';
  Cause := 'scripted';
  Result := Step.Kind;
end;

procedure TFakeTransport.Sleep(Seconds: Double);
begin
  Inc(Sleeps);
end;

const
  OK_1101 = '{"success": true, "data": {"baseinfo": {"psn_no": "P1", "psn_name": "张三"}, "insuinfo": [{"insutype": "310", "balc": 2680.50}]}, "msgid": "M1", "request_id": "R1"}';
  OK_2207 = '{"success": true, "data": {"setlinfo": {"setl_id": "S1", "medfee_sumamt": 1775.00, "fund_pay_sumamt": 1033.90, "psn_cash_pay": 116.70, "acct_pay": 624.40, "balc": 1056.10}}}';

var
  Fake: TFakeTransport;

function NewSdk: TMedicalInsuranceSDK;
var
  C: TMIConfig;
begin
  C := TMIConfig.Create;
  C.ApiBaseUrl := 'http://gateway.test/api/v1/medical-insurance/';
  C.ApiKey := 'mik_test';
  C.InstitutionCode := 'H43028110001';
  Result := TMedicalInsuranceSDK.Create(C, True);
  Fake.Free;
  Fake := TFakeTransport.Create;
  Result.Transport := Fake.Send;
  Result.Sleep := Fake.Sleep;
end;

function Failure(Kind: TMIFailureKind; Status: Integer; Code: Integer; RetryAfter: Double = -1): TMIFailure;
begin
  Result.Kind := Kind;
  Result.Status := Status;
  Result.RetryAfter := RetryAfter;
  Result.Proxy := False;
  Result.Error := ErrorFor(Code, '');
end;

function Decides(const Safety: string; F: TMIFailure; Attempt: Integer; out Wait: Double): Boolean;
var
  C: TMIConfig;
  P: TMIRetryPolicy;
begin
  C := TMIConfig.Create;
  P := TMIRetryPolicy.Create(C);
  try
    Result := P.Delay(Safety, F, Attempt, Wait);
  finally
    P.Free;
    C.Free;
    F.Error.Free;
  end;
end;

{ ------------------------------------------------------------------------------------------ decimals }

procedure TestDecimalsExact;
var
  A, B: Currency;
begin
  A := DecimalToCurrency('0.1');
  B := DecimalToCurrency('0.2');
  CheckEqual('0.30', CurrencyToDecimal(A + B), '0.1 + 0.2 is exactly 0.30');
  CheckEqual('2680.50', CurrencyToDecimal(DecimalToCurrency('2680.50')), 'round trip keeps two decimals');
  CheckEqual('-12.3456', CurrencyToDecimal(DecimalToCurrency('-12.3456')), 'negative, four decimals');
  CheckEqual('7.00', CurrencyToDecimal(DecimalToCurrency('7')), 'an integer, written with two decimals');
  CheckEqual('12.34', CurrencyToDecimal(DecimalToCurrency('12.340000')), 'trailing zeros beyond four decimals');
  CheckTrue(not TryDecimalToCurrency('1775.00001', A), 'five significant decimals are refused, not rounded');
  CheckTrue(not TryDecimalToCurrency('1e3', A), 'an exponent is refused');
  CheckTrue(not TryDecimalToCurrency('12,5', A), 'a comma is not a decimal point');
  CheckCurr(1775, DecimalToCurrency('1033.90') + DecimalToCurrency('116.70') + DecimalToCurrency('624.40'),
    'fund + cash + account');
end;

procedure TestJsonNumbersStayText;
var
  V: TJValue;
begin
  V := ParseJson('{"a": 1.10, "b": 0.30000000000000004, "c": [1, -2.5e3], "s": "\u5f20\u4e09 \"x\"", "n": null, "t": true}');
  try
    CheckEqual('1.10', V.Get('a').Text, 'a fraction keeps its text');
    CheckEqual('0.30000000000000004', V.Get('b').Text, 'no double rounding');
    CheckEqual('-2.5e3', V.Get('c').Item(1).Text, 'exponent text kept');
    CheckEqual('张三 "x"', V.S('s'), '\u escapes become UTF-8');
    CheckTrue(V.Get('n').IsNull, 'null');
    CheckBool(True, V.Get('t').AsBool, 'true');
    CheckEqual('{"a":1.10,"b":0.30000000000000004,"c":[1,-2.5e3],"s":"张三 \"x\"","n":null,"t":true}', V.ToJson,
      'written back unchanged');
  finally
    V.Free;
  end;
  try
    ParseJson('{"a": 1.2.3}').Free;
    Fail('a bad number must not parse');
  except
    on EJsonError do ;
  end;
end;

procedure TestGeneratedRequestToJson;
var
  Req: TOutpatientExpenseUploadRequest;
  Row: TOutpatientExpenseUploadFeedetail;
  Input: TJValue;
begin
  Req := TOutpatientExpenseUploadRequest.Create;
  try
    Row := Req.Feedetail.New;
    Row.FeedetlSn := 'F1';
    Row.Cnt := 2;
    Row.Pric := DecimalToCurrency('12.50');
    Row.DetItemFeeSumamt := Row.Cnt * Row.Pric;
    Input := Req.ToInput;
    try
      CheckEqual('{"feedetail":[{"feedetl_sn":"F1","cnt":2.00,"pric":12.50,"det_item_fee_sumamt":25.00}]}',
        Input.ToJson, 'typed request as JSON: set fields only, amounts exact');
    finally
      Input.Free;
    end;
  finally
    Req.Free;
  end;
end;

{ --------------------------------------------------------------------------------------------- retry }

procedure TestRetryPolicyBySafety;
var
  W: Double;
begin
  CheckBool(True, Decides('query', Failure(fkLost, 0, 20005), 1, W), 'query: lost answer is asked again');
  CheckBool(False, Decides('write', Failure(fkLost, 0, 20005), 1, W), 'write: lost answer is never re-sent');
  CheckBool(False, Decides('money', Failure(fkLost, 0, 20005), 1, W), 'money: lost answer is never re-sent');
  CheckBool(True, Decides('money', Failure(fkNotSent, 0, 60005), 1, W), 'money: never sent (refused) may go again');
  CheckBool(True, Decides('money', Failure(fkAnswered, 429, 10004, 2), 1, W), 'money: 429 waits as asked');
  CheckTrue(W = 2, '429 Retry-After 2 s');
  CheckBool(False, Decides('query', Failure(fkAnswered, 429, 10004, 120), 1, W), 'Retry-After above max_retry_after');
  CheckBool(True, Decides('query', Failure(fkAnswered, 502, 20006), 1, W), 'query: retryable 5xx');
  CheckBool(False, Decides('money', Failure(fkAnswered, 502, 20006), 1, W), 'money: 5xx never re-sent');
  CheckBool(False, Decides('query', Failure(fkAnswered, 400, 10002), 1, W), 'query: 400 is final');
  CheckBool(False, Decides('query', Failure(fkAnswered, 500, 60010), 2, W), '60010 max_retry 1: no third try');
  CheckBool(True, Decides('query', Failure(fkAnswered, 500, 60010), 1, W), '60010: one re-send');
  CheckBool(False, Decides('query', Failure(fkLost, 0, 20005), 3, W), 'max_attempts 3 reached');
end;

procedure TestLoopMoneyLostIsOutcomeUnknown;
var
  Sdk: TMedicalInsuranceSDK;
  Input: TJValue;
begin
  Sdk := NewSdk;
  Input := ParseJson('{"data": {"psn_no": "P1", "mdtrt_id": "V1"}}');
  try
    Fake.Add(hkLost, 0, '');
    Fake.Add(hkAnswered, 200, OK_2207);
    try
      Sdk.OutpatientSettle(Input).Free;
      Fail('a lost 2207 answer must raise');
    except
      on E: EOutcomeUnknown do
      begin
        CheckBool(False, E.Retry, 'retry is false');
        CheckEqual('unknown', E.Outcome, 'outcome');
      end;
    end;
    CheckEqual(1, Fake.Calls, 'sent exactly once');
    CheckEqual(0, Fake.Sleeps, 'no wait for a second attempt');
  finally
    Input.Free;
    Sdk.Free;
  end;
end;

procedure TestLoopQueryRetriedWithOneRequestId;
var
  Sdk: TMedicalInsuranceSDK;
  P: TPersonInfo;
begin
  Sdk := NewSdk;
  try
    Fake.Add(hkLost, 0, '');
    Fake.Add(hkAnswered, 502, '{"success": false, "error_code": 20006, "message": "医保局接口异常"}');
    Fake.Add(hkAnswered, 200, OK_1101);
    P := Sdk.QueryPersonInfo('02', '430302199001010017', '张三');
    try
      CheckEqual(3, Fake.Calls, 'three attempts');
      CheckEqual(Fake.RequestIds[0], Fake.RequestIds[2], 'one X-Request-ID for every attempt');
      CheckEqual('0,1,2', Fake.RetryCounts[0] + ',' + Fake.RetryCounts[1] + ',' + Fake.RetryCounts[2], 'X-Retry-Count');
      CheckEqual('POST http://gateway.test/api/v1/medical-insurance/basic/person-info', Fake.Urls[0], 'registry route');
      CheckEqual('张三', P.Name, 'friendly name');
      CheckCurr(DecimalToCurrency('2680.50'), P.InsuranceBalance, 'insuinfo[].balc exact');
      CheckEqual('M1', P.Msgid, 'msgid');
      CheckTrue(Pos('"psn_cert_type":"01"', Fake.Bodies[0]) > 0, 'credential 02 sends document type 01');
    finally
      P.Free;
    end;
  finally
    Sdk.Free;
  end;
end;

procedure TestLoopWriteNotSentIsResent;
var
  Sdk: TMedicalInsuranceSDK;
  Input: TJValue;
  Opt: TMICallOptions;
  R: TSettlementResult;
begin
  Sdk := NewSdk;
  Input := ParseJson('{"psn_no": "P1", "mdtrt_id": "V1"}');
  Opt := TMICallOptions.Create;
  try
    Opt.IdempotencyKey := 'IK-1';
    Fake.Add(hkNotSent, 0, '');
    Fake.Add(hkAnswered, 200, OK_2207);
    R := Sdk.OutpatientSettle(Input, Opt);
    try
      CheckEqual(2, Fake.Calls, 'refused connection: sent again');
      CheckEqual('IK-1', Fake.Idempotency[1], 'Idempotency-Key on every attempt');
      CheckTrue(Pos('{"data":{"psn_no":"P1"', Fake.Bodies[0]) = 1, 'flat fields go into the single node');
      CheckCurr(R.TotalAmount, R.InsuranceAmount + R.CashAmount + R.AccountAmount, 'total = fund + cash + account');
      CheckEqual('1056.10', CurrencyToDecimal(R.Balance), 'balance exact');
    finally
      R.Free;
    end;
  finally
    Opt.Free;
    Input.Free;
    Sdk.Free;
  end;
end;

procedure TestGatewayUnknownOutcomeAnswer;
var
  Sdk: TMedicalInsuranceSDK;
  Input: TJValue;
begin
  Sdk := NewSdk;
  Input := ParseJson('{"data": {"psn_no": "P1"}}');
  try
    Fake.Add(hkAnswered, 504, '{"success": false, "error_code": 20005, "message": "医保局应答超时，结算结果未知", '
      + '"error": {"code": 20005, "retry": true}, "data": {"msgid": "H4302811000120261207", "outcome": "unknown"}}');
    try
      Sdk.OutpatientSettle(Input).Free;
      Fail('expected EOutcomeUnknown');
    except
      on E: EOutcomeUnknown do
      begin
        CheckBool(False, E.Retry, 'retry false even when the answer says retry');
        CheckEqual('H4302811000120261207', E.Msgid, 'msgid');
        CheckEqual(504, E.HttpStatus, 'status');
      end;
    end;
    CheckEqual(1, Fake.Calls, 'not re-sent');
  finally
    Input.Free;
    Sdk.Free;
  end;
end;

procedure TestErrorMapping;
var
  Body: TJValue;
  E: EMedicalInsurance;
begin
  Body := ParseJson('{"success": false, "error_code": 30002, "message": "数据校验失败", "data": {"errors": '
    + '[{"code": 30002, "field": "data.dr_name", "message": "必填"}, {"code": 30003, "field": "data.begntime"}]}}');
  E := GatewayError('2201', Body, 422, 'R1', -1);
  try
    CheckTrue(E is EMIDataValidation, 'a 3000x code is EMIDataValidation: ' + E.ClassName);
    CheckEqual(2, Length(E.Errors), 'every field');
    CheckEqual('data.dr_name', E.Errors[0].Path, 'field path');
    CheckEqual('数据校验失败', E.Message, 'Chinese message as sent');
  finally
    E.Free;
    Body.Free;
  end;
  Body := ParseJson('{"success": false, "error_code": 50001, "message": "就诊已撤销", "data": {"infcode": -1}}');
  E := GatewayError('2207', Body, 409, 'R2', -1);
  try
    CheckTrue(E is EMIBureauRefusal, 'a bureau refusal: ' + E.ClassName);
    CheckTrue(E is EMIBusiness, 'still a business error');
  finally
    E.Free;
    Body.Free;
  end;
  E := ErrorFor(10007, '');
  try
    CheckTrue(E is EMIAuthentication, '10007');
    CheckBool(False, E.Retry, 'no retry');
  finally
    E.Free;
  end;
  E := ErrorFor(20007, '');
  try
    CheckTrue(E is EMIDuplicateMessage, '20007');
    CheckEqual(1, E.MaxRetry, 'max_retry from the table');
  finally
    E.Free;
  end;
end;

procedure TestNormalizeInput;
var
  Given, Out_: TJValue;
begin
  Given := ParseJson('{"psn_no": "P1", "data": {"insutype": "310"}}');
  Out_ := NormalizeInput(OperationInfo('2201'), Given);
  try
    CheckEqual('{"data":{"insutype":"310","psn_no":"P1"}}', Out_.ToJson, 'node and flat fields merged');
  finally
    Out_.Free;
    Given.Free;
  end;
  Given := ParseJson('{"psn_no": "P1"}');
  try
    try
      NormalizeInput(OperationInfo('2203'), Given).Free;
      Fail('2203 has two nodes: flat fields are refused');
    except
      on E: EMIDataValidation do CheckEqual('psn_no', E.Errors[0].Path, 'the loose field named');
    end;
  finally
    Given.Free;
  end;
  CheckEqual('2207', OperationInfo('outpatient_settle').Infno, 'lookup by interface_type');
  CheckEqual('money', OperationInfo('OutpatientSettle').Safety, 'lookup by method name; 2207 is money');
  CheckEqual(206, Length(MI_OPERATIONS), '206 transactions generated');
end;

procedure TestConfigPrecedence;
var
  Path: string;
  F: TStringList;
  EnvList: TStringList;
  C: TMIConfig;
begin
  Path := GetTempDir + 'mi-delphi-config-' + IntToStr(Random(1000000)) + '.json';
  F := TStringList.Create;
  EnvList := TStringList.Create;
  try
    F.Text := '{"medical_insurance": {"api_base_url": "http://file/api", "api_key": "file-key", '
      + '"institution_code": "H1", "timeout": 12.5, "retry": {"max_attempts": 5, "backoff_factor": 0.5}}}';
    F.SaveToFile(Path);
    EnvList.Add('MEDICAL_INSURANCE_API_KEY=env-key');
    EnvList.Add('MEDICAL_INSURANCE_MAX_RETRIES=2');
    C := TMIConfig.Load(Path, EnvList);
    try
      CheckEqual('http://file/api/', C.ApiBaseUrl, 'file value, trailing slash added');
      CheckEqual('env-key', C.ApiKey, 'env beats file');
      CheckEqual('H1', C.InstitutionCode, 'file');
      CheckTrue(C.Timeout = 12.5, 'timeout from file');
      CheckEqual(2, C.MaxAttempts, 'MEDICAL_INSURANCE_MAX_RETRIES beats retry.max_attempts');
      CheckTrue(C.BackoffFactor = 0.5, 'backoff_factor');
    finally
      C.Free;
    end;
  finally
    DeleteFile(Path);
    F.Free;
    EnvList.Free;
  end;
end;

procedure TestRefusedConnectionIsNotSent;
var
  Http: TMIHttp;
  Headers: TStringList;
  Resp: TMIHttpResponse;
  Cause: string;
  Kind: TMIHttpKind;
begin
  // the real HTTP stack: a closed local port refuses the connection -> provably never sent
  Http := TMIHttp.Create;
  Headers := TStringList.Create;
  try
    Kind := Http.Send('POST', 'http://127.0.0.1:1/api/v1/medical-insurance/settlement/outpatient', Headers, '{}', 5000,
      Resp, Cause);
    CheckTrue(Kind = hkNotSent, 'refused connection is hkNotSent (' + Cause + ')');
  finally
    Headers.Free;
    Http.Free;
  end;
end;

procedure RunUnitTests;
begin
  Writeln('unit tests');
  RunTest('unit: decimals are exact (Currency from text, never a Double)', TestDecimalsExact);
  RunTest('unit: JSON keeps number text, escapes, round trip', TestJsonNumbersStayText);
  RunTest('unit: generated request serialises set fields with exact amounts', TestGeneratedRequestToJson);
  RunTest('unit: retry policy for query / write / money', TestRetryPolicyBySafety);
  RunTest('unit: money call with a lost answer -> EOutcomeUnknown, sent once', TestLoopMoneyLostIsOutcomeUnknown);
  RunTest('unit: query retried with one X-Request-ID', TestLoopQueryRetriedWithOneRequestId);
  RunTest('unit: write never sent is sent again', TestLoopWriteNotSentIsResent);
  RunTest('unit: gateway answer {msgid, outcome} -> EOutcomeUnknown', TestGatewayUnknownOutcomeAnswer);
  RunTest('unit: error answers map to the family classes', TestErrorMapping);
  RunTest('unit: input normalisation and operation lookup', TestNormalizeInput);
  RunTest('unit: config file < env vars', TestConfigPrecedence);
  RunTest('unit: HTTP stack classifies a refused connection as never sent', TestRefusedConnectionIsNotSent);
  FreeAndNil(Fake);
end;

end.
