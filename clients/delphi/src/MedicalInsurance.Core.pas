// Hand-written: the one request loop, request building, input normalisation and the gateway answer → result
// or error mapping (the Python SDK's sdk/_core.py and sdk/_answers.py).  The generated TMIOperations (one
// method per transaction) derives from TMICore and ends in Invoke.
//
//   Result := Invoke('2207', Input, Options, TSettlementResult);   // one X-Request-ID for every attempt
//
// A write or money call is never re-sent once it may have reached the gateway; a lost answer to one is an
// EOutcomeUnknown (Retry False), as is a gateway answer that carries data {msgid, outcome}.
unit MedicalInsurance.Core;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes, MedicalInsurance.Json, MedicalInsurance.Errors, MedicalInsurance.Config,
  MedicalInsurance.Http, MedicalInsurance.Nodes, MedicalInsurance.Generated.Registry;

const
  MI_SDK_VERSION = '1.0.0';

type
  // per-call choices; zero / '' means the configured default
  TMICallOptions = class
  public
    Timeout: Double;          // seconds
    MaxAttempts: Integer;
    RequestId: string;        // X-Request-ID for every attempt; a new one when ''
    IdempotencyKey: string;   // write/money: same key and input answer the first outcome again
  end;

  TMISleep = procedure(Seconds: Double) of object;

  TMICore = class
  private
    FHttp: TMIHttp;
    FOwnsConfig: Boolean;
    procedure DefaultSleep(Seconds: Double);
  protected
    function BuildQuery(const Op: TMIOperationInfo; Payload: TJValue): string;
  public
    Config: TMIConfig;
    Policy: TMIRetryPolicy;
    Transport: TMITransport;   // tests replace the HTTP stack
    Sleep: TMISleep;           // tests record the waits
    constructor Create(AConfig: TMIConfig; OwnsConfig: Boolean = True); overload;
    // spec §9.1: the JSON file of §9.2.1 (may be ''); environment variables override it
    constructor Create(const ConfigPath: string); overload;
    // explicit arguments over environment over file; '' = not given
    constructor CreateWith(const ConfigPath, ApiBaseUrl, ApiKey, InstitutionCode: string);
    destructor Destroy; override;
    // the one request loop: the gateway's JSON envelope (caller owns) of a successful answer, or raises
    function Send(const Method, Path, Body, Safety, Infno: string; Options: TMICallOptions;
      const RequestId: string = ''): TJValue;
    // any transaction by infno ('2207'), interface_type ('outpatient_settle') or method name
    function Call(const Key: string; Input: TJValue; Options: TMICallOptions = nil): TMIResult;
    function Invoke(const Infno: string; Input: TJValue; Options: TMICallOptions; Cls: TMIResultClass): TMIResult;
    function InvokeNode(const Infno: string; Request: TMINode; Options: TMICallOptions; Cls: TMIResultClass): TMIResult;
  end;

function FindOperation(const Key: string; out Op: TMIOperationInfo): Boolean;
function OperationInfo(const Key: string): TMIOperationInfo;
function NewRequestId: string;
// the bureau input of Op from what the caller gave (a new value): whole nodes pass as they are; a one-node
// transaction also takes that node's flat fields (Python's normalize_input)
function NormalizeInput(const Op: TMIOperationInfo; Given: TJValue): TJValue;
// a gateway answer as success (True, Envelope set, caller owns) or as the failure it means
function ReadAnswer(const Resp: TMIHttpResponse; const RequestId, Infno: string; out Envelope: TJValue;
  out Failure: TMIFailure): Boolean;
function GatewayError(const Infno: string; Body: TJValue; Status: Integer; const RequestId: string;
  RetryAfter: Double): EMedicalInsurance;
// what the caller gets when no further attempt is made (frees Failure.Error when it replaces it)
function FinalError(const Safety, Infno: string; const Failure: TMIFailure; const RequestId: string): EMedicalInsurance;

implementation

uses
  DateUtils;

// an HTTP error answer without the gateway's JSON (a proxy's page) -> the table's code
function StatusCode(Status: Integer): Integer;
begin
  case Status of
    400, 405: Result := 10002;
    401: Result := 10007;
    403: Result := 10009;
    404: Result := 20001;
    408, 504: Result := 20005;
    413: Result := 10003;
    422: Result := 30010;
    429: Result := 10004;
    503: Result := 10005;
  else
    if Status >= 500 then Result := 20003 else Result := 10002;
  end;
end;

function NewRequestId: string;
var
  G: TGUID;
begin
  CreateGUID(G);
  Result := 'REQ' + LowerCase(StringReplace(Copy(GUIDToString(G), 2, 36), '-', '', [rfReplaceAll]));
end;

function FindOperation(const Key: string; out Op: TMIOperationInfo): Boolean;
var
  I: Integer;
begin
  for I := Low(MI_OPERATIONS) to High(MI_OPERATIONS) do
    if (MI_OPERATIONS[I].Infno = Key) or (MI_OPERATIONS[I].InterfaceType = Key)
      or SameText(MI_OPERATIONS[I].Name, Key) then
    begin
      Op := MI_OPERATIONS[I];
      Exit(True);
    end;
  Result := False;
end;

function OperationInfo(const Key: string): TMIOperationInfo;
begin
  if not FindOperation(Key, Result) then raise ErrorFor(20001, '不支持的接口: ' + Key);
end;

{ ----------------------------------------------------------------------------------------- input }

procedure SplitNodes(const Op: TMIOperationInfo; Names: TStrings; out Many, Open: Boolean);
var
  Rest, One: string;
  P: Integer;
begin
  Many := False;
  Open := False;
  Rest := Op.Nodes;
  while Rest <> '' do
  begin
    P := Pos(',', Rest);
    if P = 0 then begin One := Rest; Rest := ''; end
    else begin One := Copy(Rest, 1, P - 1); Rest := Copy(Rest, P + 1, MaxInt); end;
    if Copy(One, Length(One), 1) = '*' then begin Open := True; Delete(One, Length(One), 1); end;
    if Copy(One, Length(One) - 1, 2) = '[]' then begin Many := True; Delete(One, Length(One) - 1, 2); end;
    Names.Add(One);
  end;
end;

function NormalizeInput(const Op: TMIOperationInfo; Given: TJValue): TJValue;
var
  Names: TStringList;
  Many, Open: Boolean;
  Loose, Merged, Base: TJValue;
  I: Integer;
  E: EMedicalInsurance;
begin
  Names := TStringList.Create;
  Result := TJValue.Obj;
  Loose := TJValue.Obj;
  try
    SplitNodes(Op, Names, Many, Open);
    if Given <> nil then
      for I := 0 to Given.Count - 1 do
        if Names.IndexOf(Given.Name(I)) >= 0 then Result.Put(Given.Name(I), Given.Item(I).Clone)
        else Loose.Put(Given.Name(I), Given.Item(I).Clone);
    // a transaction without a field table (one open node) may have more nodes next to it
    if (Names.Count = 1) and Open and not Many and (Result.Get(Names[0]) <> nil) then
      for I := Loose.Count - 1 downto 0 do
        if Loose.Item(I).Kind in [jkObject, jkArray] then
        begin
          Result.Put(Loose.Name(I), Loose.Item(I).Clone);
          Loose.Delete(Loose.Name(I));
        end;
    if Loose.Count > 0 then
    begin
      if (Names.Count <> 1) or Many then
      begin
        E := ErrorFor(30001, '');
        E.Infno := Op.Infno;
        SetLength(E.Errors, Loose.Count);
        for I := 0 to Loose.Count - 1 do
        begin
          E.Errors[I].Code := 30001;
          E.Errors[I].Path := Loose.Name(I);
          E.Errors[I].Message := '不是 ' + Op.Infno + ' 的输入节点';
        end;
        raise E;
      end;
      Base := Result.Get(Names[0]);
      if (Base <> nil) and (Base.Kind = jkObject) then Merged := Base.Clone else Merged := TJValue.Obj;
      for I := 0 to Loose.Count - 1 do Merged.Put(Loose.Name(I), Loose.Item(I).Clone);
      Result.Put(Names[0], Merged);
    end;
  except
    Result.Free;
    Loose.Free;
    Names.Free;
    raise;
  end;
  Loose.Free;
  Names.Free;
end;

{ --------------------------------------------------------------------------------------- answers }

function FirstOf(const Sources: array of TJValue; const Key: string): TJValue;
var
  I: Integer;
  V: TJValue;
begin
  Result := nil;
  for I := Low(Sources) to High(Sources) do
    if (Sources[I] <> nil) and (Sources[I].Kind = jkObject) then
    begin
      V := Sources[I].Get(Key);
      if (V <> nil) and not V.IsNull and (V.AsText <> '') then Exit(V);
    end;
end;

function ObjOrNil(V: TJValue): TJValue;
begin
  if (V <> nil) and (V.Kind = jkObject) then Result := V else Result := nil;
end;

function GatewayError(const Infno: string; Body: TJValue; Status: Integer; const RequestId: string;
  RetryAfter: Double): EMedicalInsurance;
var
  Data, Err, Res, Failed, V, Row: TJValue;
  Code, I, N, Infcode: Integer;
  Msg, Outcome: string;
  Sources: array[0..3] of TJValue;
begin
  Data := nil;
  Err := nil;
  if (Body <> nil) and (Body.Kind = jkObject) then
  begin
    Data := ObjOrNil(Body.Get('data'));
    Err := ObjOrNil(Body.Get('error'));
  end;
  Res := nil;
  if Data <> nil then Res := ObjOrNil(Data.Get('result'));
  Failed := nil;
  if Res <> nil then Failed := ObjOrNil(Res.Get('failed_operation'));
  // where an operation's own words are: the answer itself, a task's result, a batch's first failure
  Sources[0] := Data; Sources[1] := Res; Sources[2] := Failed; Sources[3] := Err;
  Code := 0;
  if Body <> nil then Code := StrToIntDef(Body.S('error_code'), 0);
  if (Code = 0) and (Err <> nil) then Code := StrToIntDef(Err.S('code'), 0);
  if Code = 0 then Code := StatusCode(Status);
  Msg := '';
  if Body <> nil then Msg := Body.S('message');
  if (Msg = '') and (Err <> nil) then Msg := Err.S('message');
  V := FirstOf(Sources, 'outcome');
  if V <> nil then Outcome := V.AsText else Outcome := '';
  V := FirstOf(Sources, 'infcode');
  Infcode := MaxInt;
  if (V <> nil) and (V.Kind = jkNumber) then Infcode := StrToIntDef(V.Text, MaxInt);
  if (Outcome = 'unknown') or (Outcome = 'reversed') then
    Result := EOutcomeUnknown.CreateOutcome(Code, Msg, Outcome)
  else
  begin
    Result := ErrorFor(Code, Msg, Infcode);
    if (Err <> nil) and (Err.Get('retry') <> nil) and (Err.Get('retry').Kind = jkBool) then
      Result.Retry := Err.Get('retry').AsBool;
    if RetryAfter >= 0 then Result.RetryAfter := RetryAfter
    else if (Err <> nil) and (Err.Get('retry_after') <> nil) and (Err.Get('retry_after').Kind = jkNumber) then
      Result.RetryAfter := StrToFloatDef(Err.S('retry_after'), -1);
    V := nil;
    if Data <> nil then V := Data.Get('errors');
    if (Code div 10000 = 3) and (V <> nil) and (V.Kind = jkArray) then
    begin
      SetLength(Result.Errors, V.Count);
      N := 0;
      for I := 0 to V.Count - 1 do
      begin
        Row := V.Item(I);
        if Row.Kind <> jkObject then Continue;
        Result.Errors[N].Code := StrToIntDef(Row.S('code'), 30010);
        Result.Errors[N].Path := Row.S('field');
        if Result.Errors[N].Path = '' then Result.Errors[N].Path := Row.S('path');
        if Result.Errors[N].Path = '' then Result.Errors[N].Path := Row.S('loc');
        Result.Errors[N].Message := Row.S('message');
        Inc(N);
      end;
      SetLength(Result.Errors, N);
    end;
  end;
  Result.HttpStatus := Status;
  Result.RequestId := RequestId;
  if (Body <> nil) and (Body.S('request_id') <> '') then Result.RequestId := Body.S('request_id');
  V := FirstOf(Sources, 'msgid');
  if V <> nil then Result.Msgid := V.AsText;
  Result.Infno := Infno;
end;

function ReadAnswer(const Resp: TMIHttpResponse; const RequestId, Infno: string; out Envelope: TJValue;
  out Failure: TMIFailure): Boolean;
var
  Doc: TJValue;
  Text: string;
  Success: Boolean;
begin
  Result := False;
  Envelope := nil;
  Failure.Kind := fkAnswered;
  Failure.Status := Resp.Status;
  Failure.RetryAfter := -1;
  Failure.Error := nil;
  Failure.Proxy := False;
  if Resp.RetryAfter <> '' then Failure.RetryAfter := StrToIntDef(Trim(Resp.RetryAfter), -1);
  Doc := nil;
  Text := TrimLeft(Resp.Body);
  if (Text <> '') and CharInSet(Text[1], ['{', '[']) then
    try
      Doc := ParseJson(Text);
    except
      on EJsonError do Doc := nil;
    end;
  if Doc = nil then
  begin
    if (Resp.Status >= 200) and (Resp.Status < 300) then Failure.Error := ErrorFor(20004, '网关应答不是 JSON')
    else Failure.Error := ErrorFor(StatusCode(Resp.Status), 'HTTP ' + IntToStr(Resp.Status) + ': ' + Copy(Trim(Resp.Body), 1, 200));
    Failure.Error.HttpStatus := Resp.Status;
    Failure.Error.RequestId := RequestId;
    Failure.Error.Infno := Infno;
    Failure.Proxy := Resp.Status >= 300;   // a proxy answered, not the gateway
    Exit;
  end;
  if Doc.Kind <> jkObject then
  begin
    Doc.Free;
    Failure.Error := ErrorFor(20004, '网关应答不是 JSON 对象');
    Exit;
  end;
  if Doc.Get('success') <> nil then Success := Doc.Get('success').AsBool
  else Success := (Resp.Status >= 200) and (Resp.Status < 300);
  if Success and (Resp.Status < 400) then
  begin
    Envelope := Doc;
    Exit(True);
  end;
  try
    Failure.Error := GatewayError(Infno, Doc, Resp.Status, RequestId, Failure.RetryAfter);
  finally
    Doc.Free;
  end;
end;

function FinalError(const Safety, Infno: string; const Failure: TMIFailure; const RequestId: string): EMedicalInsurance;
var
  Cause: string;
begin
  // a write or money call whose answer was lost (or met a proxy's 5xx page) may have taken effect
  if (Safety <> 'query') and ((Failure.Kind = fkLost)
    or ((Failure.Status >= 500) and Failure.Proxy)) then
  begin
    Cause := '';
    if Failure.Error <> nil then Cause := Failure.Error.Message;
    Result := EOutcomeUnknown.CreateOutcome(20005, '网关未应答，请求 ' + RequestId + ' 的结果未知：请先查询确认，勿重复办理',
      'unknown');
    Result.Infno := Infno;
    Result.RequestId := RequestId;
    Result.HttpStatus := Failure.Status;
    Failure.Error.Free;
    Exit;
  end;
  Result := Failure.Error;
end;

{ ----------------------------------------------------------------------------------------- TMICore }

constructor TMICore.Create(AConfig: TMIConfig; OwnsConfig: Boolean);
begin
  inherited Create;
  if AConfig.ApiBaseUrl = '' then
    raise ErrorFor(10001, '未配置网关地址：请设置 api_base_url 或环境变量 MEDICAL_INSURANCE_API_URL');
  Config := AConfig;
  FOwnsConfig := OwnsConfig;
  Policy := TMIRetryPolicy.Create(Config);
  FHttp := TMIHttp.Create;
  Transport := FHttp.Send;
  Sleep := DefaultSleep;
end;

constructor TMICore.Create(const ConfigPath: string);
begin
  Create(TMIConfig.Load(ConfigPath), True);
end;

constructor TMICore.CreateWith(const ConfigPath, ApiBaseUrl, ApiKey, InstitutionCode: string);
var
  C: TMIConfig;
begin
  C := TMIConfig.Load(ConfigPath);
  if ApiBaseUrl <> '' then C.ApiBaseUrl := ApiBaseUrl;
  if ApiKey <> '' then C.ApiKey := ApiKey;
  if InstitutionCode <> '' then C.InstitutionCode := InstitutionCode;
  Create(C, True);
end;

destructor TMICore.Destroy;
begin
  Policy.Free;
  FHttp.Free;
  if FOwnsConfig then Config.Free;
  inherited;
end;

procedure TMICore.DefaultSleep(Seconds: Double);
begin
  SysUtils.Sleep(Round(Seconds * 1000));
end;

function TMICore.Send(const Method, Path, Body, Safety, Infno: string; Options: TMICallOptions;
  const RequestId: string): TJValue;
var
  Attempt, Limit: Integer;
  Headers: TStringList;
  Resp: TMIHttpResponse;
  Cause, Rid: string;
  Kind: TMIHttpKind;
  Failure: TMIFailure;
  Wait, Timeout: Double;
begin
  Rid := RequestId;
  if (Rid = '') and (Options <> nil) then Rid := Options.RequestId;
  if Rid = '' then Rid := NewRequestId;
  Limit := Config.MaxAttempts;
  if (Options <> nil) and (Options.MaxAttempts > 0) then Limit := Options.MaxAttempts;
  Timeout := Config.Timeout;
  if (Options <> nil) and (Options.Timeout > 0) then Timeout := Options.Timeout;
  Attempt := 0;
  Headers := TStringList.Create;
  try
    while True do
    begin
      Inc(Attempt);
      Headers.Clear;
      Headers.Add('Accept=application/json');
      Headers.Add('User-Agent=medical-insurance-sdk-delphi/' + MI_SDK_VERSION);
      Headers.Add('X-Request-ID=' + Rid);
      Headers.Add('X-Retry-Count=' + IntToStr(Attempt - 1));
      if Config.ApiKey <> '' then Headers.Add('X-API-Key=' + Config.ApiKey);
      if Config.InstitutionCode <> '' then Headers.Add('X-Institution-Code=' + Config.InstitutionCode);
      if Config.JwtToken <> '' then Headers.Add('Authorization=Bearer ' + Config.JwtToken);
      if (Options <> nil) and (Options.IdempotencyKey <> '') then Headers.Add('Idempotency-Key=' + Options.IdempotencyKey);
      if Body <> '' then Headers.Add('Content-Type=application/json; charset=utf-8');
      Kind := Transport(Method, Config.ApiBaseUrl + Path, Headers, Body, Round(Timeout * 1000), Resp, Cause);
      if Kind = hkAnswered then
      begin
        if ReadAnswer(Resp, Rid, Infno, Result, Failure) then Exit;
      end
      else
      begin
        if Kind = hkNotSent then Failure.Kind := fkNotSent else Failure.Kind := fkLost;
        Failure.Status := 0;
        Failure.RetryAfter := -1;
        Failure.Proxy := False;
        if Kind = hkNotSent then Failure.Error := ErrorFor(60005, '网络连接异常，请求未发出: ' + Cause)
        else Failure.Error := ErrorFor(20005, '网关未应答: ' + Cause);
        Failure.Error.RequestId := Rid;
        Failure.Error.Infno := Infno;
      end;
      if (Attempt >= Limit) or not Policy.Delay(Safety, Failure, Attempt, Wait) then
        raise FinalError(Safety, Infno, Failure, Rid);
      Failure.Error.Free;
      Sleep(Wait);
    end;
  finally
    Headers.Free;
  end;
end;

function TMICore.BuildQuery(const Op: TMIOperationInfo; Payload: TJValue): string;
var
  Node: TJValue;
  I: Integer;
begin
  // a GET's query: the single node's fields as text (objects and lists as JSON text)
  Node := Payload;
  if (Payload.Count = 1) and (Payload.Item(0).Kind = jkObject) then Node := Payload.Item(0);
  Result := '';
  for I := 0 to Node.Count - 1 do
  begin
    if Node.Item(I).IsNull then Continue;
    if Result <> '' then Result := Result + '&';
    Result := Result + UrlEncode(Node.Name(I)) + '=' + UrlEncode(Node.Item(I).AsText);
  end;
  if Result <> '' then Result := '?' + Result;
end;

function TMICore.Invoke(const Infno: string; Input: TJValue; Options: TMICallOptions; Cls: TMIResultClass): TMIResult;
var
  Op: TMIOperationInfo;
  Payload, Envelope, Info: TJValue;
begin
  Op := OperationInfo(Infno);
  Payload := NormalizeInput(Op, Input);
  try
    if Op.HttpMethod = 'GET' then
      Envelope := Send('GET', Op.Path + BuildQuery(Op, Payload), '', Op.Safety, Op.Infno, Options)
    else
      Envelope := Send(Op.HttpMethod, Op.Path, Payload.ToJson, Op.Safety, Op.Infno, Options);
  finally
    Payload.Free;
  end;
  try
    Result := Cls.Create;
    Result.Infno := Op.Infno;
    Result.Message := Envelope.S('message');
    Result.RequestId := Envelope.S('request_id');
    Result.Msgid := Envelope.S('msgid');
    Info := Envelope.Get('interface_info');
    if (Result.Msgid = '') and (Info <> nil) then Result.Msgid := Info.S('msgid');
    if Envelope.Get('data') <> nil then Result.SetRaw(Envelope.Get('data').Clone) else Result.SetRaw(TJValue.Obj);
  finally
    Envelope.Free;
  end;
end;

function TMICore.InvokeNode(const Infno: string; Request: TMINode; Options: TMICallOptions;
  Cls: TMIResultClass): TMIResult;
var
  Input: TJValue;
begin
  Input := Request.ToInput;
  try
    Result := Invoke(Infno, Input, Options, Cls);
  finally
    Input.Free;
  end;
end;

function TMICore.Call(const Key: string; Input: TJValue; Options: TMICallOptions): TMIResult;
begin
  Result := Invoke(OperationInfo(Key).Infno, Input, Options, TMIResult);
end;

end.
