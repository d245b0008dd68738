// Hand-written: TMedicalInsuranceSDK — the generated transactions (TMIOperations) plus the spec's
// convenience signatures and the gateway's own endpoints: batches (§3.2), async tasks (§3.3), universal query.
//
//   SDK := TMedicalInsuranceSDK.Create('config.json');        // §9.2.1 file; env vars (§9.2.2) override it
//   P := SDK.QueryPersonInfo('02', '430302199001010017', '张三');
//   Writeln(P.Name, ' ', CurrencyToDecimal(P.InsuranceBalance));
//
// Safety classes as in the Python SDK: a batch submit is idempotent by batch_id (asked again like a read),
// creating a task is a write (its lost answer is an EOutcomeUnknown).
unit MedicalInsurance.SDK;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes, Contnrs, MedicalInsurance.Json, MedicalInsurance.Errors, MedicalInsurance.Nodes,
  MedicalInsurance.Http, MedicalInsurance.Core, MedicalInsurance.Generated.Registry, MedicalInsurance.Generated.Results,
  MedicalInsurance.Generated.Operations;

type
  TMIBatchItem = class
  public
    Sequence: Integer;
    InterfaceType: string;
    Infno: string;
    Success: Boolean;
    Msgid: string;
    Output: TJValue;                 // the bureau output of a successful operation (owned)
    ErrorCode: Integer;
    Error: string;
    Exception_: EMedicalInsurance;   // the error as if the operation had been called alone (owned)
    destructor Destroy; override;
  end;

  TMIBatchResult = class
  public
    BatchId: string;
    Status: string;
    Items: TObjectList;              // of TMIBatchItem
    StoppedEarly: Boolean;
    constructor Create;
    destructor Destroy; override;
    function Count: Integer;
    function Item(I: Integer): TMIBatchItem;
    function BySequence(Sequence: Integer): TMIBatchItem;
    function SuccessCount: Integer;
  end;

  TMITaskInfo = class
  public
    TaskId: string;
    TaskType: string;
    Status: string;                  // pending / running / completed / failed
    Progress: string;
    ErrorMessage: string;
    Result: TJValue;                 // the finished task's result (owned)
    destructor Destroy; override;
    function Finished: Boolean;
  end;

  TMedicalInsuranceSDK = class(TMIOperations)
  private
    function Batch(Envelope: TJValue): TJValue;
    function TaskFrom(Envelope: TJValue): TMITaskInfo;
  public
    // spec §9.1.3: QueryPersonInfo(certType, certNo, psnName); certType '02' = 居民身份证 (psn_cert_type 01)
    function QueryPersonInfo(const CertType, CertNo: string; const PsnName: string = '';
      Options: TMICallOptions = nil): TPersonInfo; overload;
    // 【1201】医药机构信息获取 by institution code
    function QueryInstitutionInfo(const InstitutionCode: string; Options: TMICallOptions = nil): TInstitutionInfo; overload;
    // 【2001】人员待遇享受检查 — spec §9.1.3's signature.  The bureau checks every benefit at once: CheckItems is
    // the spec's wording and is not sent; begntime is now (Beijing time), fixmedins_code the configured one.
    function BenefitCheck(const PersonNo: string; const CheckItems: array of string; const Insutype: string = '310';
      const MedType: string = '11'; Options: TMICallOptions = nil): TBenefitCheckResult; overload;
    // 【§3.2.1】the operations ([{interface_type, data, sequence}]) as one gateway batch; waits for its end
    function BatchUpload(Operations: TJValue; const BatchId: string = ''; StopOnError: Boolean = True;
      TimeoutSeconds: Double = 300): TMIBatchResult;
    // 【§3.2.3】one page of a batch's status (the envelope; caller owns)
    function BatchStatus(const BatchId: string; Page: Integer = 1; PageSize: Integer = 100): TJValue;
    // 【§3.3】async tasks
    function CreateTask(const TaskType: string; TaskData: TJValue): TMITaskInfo;
    function TaskStatus(const TaskId: string): TMITaskInfo;
    function TaskResult(const TaskId: string): TMITaskInfo;
    function WaitTask(const TaskId: string; TimeoutSeconds: Double = 300; PollSeconds: Double = 1): TMITaskInfo;
    // 【§3.5】the gateway's universal query (call_log, settlements ...): the envelope; caller owns
    function UniversalQuery(const QueryType: string; Filters: TJValue = nil; Page: Integer = 1;
      PageSize: Integer = 20): TJValue;
  end;

  TBenefitCheckResultHelper = class helper for TBenefitCheckResult
  public
    // 'restricted' when a trtinfo row says the benefit is not enjoyed (trt_enjymnt_flag <> 1), else 'pass'
    function Status: string;
  end;

// Beijing time as the bureau writes it: yyyy-mm-dd hh:nn:ss
function BeijingNow: string;

// the exception of a failed batch operation (a §3.2.3 status row), as if it had been called alone
function OperationError(Op: TJValue; const RequestId: string): EMedicalInsurance;

implementation

uses
  DateUtils;

destructor TMIBatchItem.Destroy;
begin
  Output.Free;
  Exception_.Free;
  inherited;
end;

constructor TMIBatchResult.Create;
begin
  inherited Create;
  Items := TObjectList.Create(True);
end;

destructor TMIBatchResult.Destroy;
begin
  Items.Free;
  inherited;
end;

function TMIBatchResult.Count: Integer;
begin
  Result := Items.Count;
end;

function TMIBatchResult.Item(I: Integer): TMIBatchItem;
begin
  Result := TMIBatchItem(Items[I]);
end;

function TMIBatchResult.BySequence(Sequence: Integer): TMIBatchItem;
var
  I: Integer;
begin
  for I := 0 to Count - 1 do
    if Item(I).Sequence = Sequence then Exit(Item(I));
  Result := nil;
end;

function TMIBatchResult.SuccessCount: Integer;
var
  I: Integer;
begin
  Result := 0;
  for I := 0 to Count - 1 do
    if Item(I).Success then Inc(Result);
end;

destructor TMITaskInfo.Destroy;
begin
  Result.Free;
  inherited;
end;

function TMITaskInfo.Finished: Boolean;
begin
  Result := (Status = 'completed') or (Status = 'failed') or (Status = 'cancelled');
end;

function OperationError(Op: TJValue; const RequestId: string): EMedicalInsurance;
var
  Body, Data, Output: TJValue;
  Code, Status: Integer;
  Entry: TMIErrorCode;
begin
  Code := StrToIntDef(Op.S('error_code'), 20003);
  Body := TJValue.Obj;
  try
    Body.Put('error_code', TJValue.Int(Code));
    if Op.S('error_message') <> '' then Body.Put('message', Op.S('error_message')) else Body.Put('message', Op.S('status'));
    Data := TJValue.Obj;
    Body.Put('data', Data);
    if Op.Get('msgid') <> nil then Data.Put('msgid', Op.Get('msgid').Clone);
    if Op.Get('outcome') <> nil then Data.Put('outcome', Op.Get('outcome').Clone);
    Output := Op.Get('output');
    if Op.Get('infcode') <> nil then Data.Put('infcode', Op.Get('infcode').Clone)
    else if (Output <> nil) and (Output.Get('infcode') <> nil) then Data.Put('infcode', Output.Get('infcode').Clone);
    if FindErrorCode(Code, Entry) then Status := Entry.HttpStatus else Status := 502;
    Result := GatewayError(Op.S('infno'), Body, Status, RequestId, -1);
  finally
    Body.Free;
  end;
end;

function BeijingNow: string;
begin
  Result := FormatDateTime('yyyy-mm-dd hh:nn:ss', IncHour(LocalTimeToUniversal(Now), 8));
end;

function TBenefitCheckResultHelper.Status: string;
var
  Rows: TJValue;
  I: Integer;
begin
  Result := 'pass';
  Rows := FindPath(Raw, 'trtinfo');
  if (Rows <> nil) and (Rows.Kind = jkArray) then
    for I := 0 to Rows.Count - 1 do
      if (Rows.Item(I).Get('trt_enjymnt_flag') <> nil) and (Rows.Item(I).S('trt_enjymnt_flag') <> '1') then
        Exit('restricted');
end;

{ --------------------------------------------------------------------------------- TMedicalInsuranceSDK }

function TMedicalInsuranceSDK.QueryInstitutionInfo(const InstitutionCode: string;
  Options: TMICallOptions): TInstitutionInfo;
var
  Input: TJValue;
begin
  Input := TJValue.Obj.Put('medinsinfo', TJValue.Obj.Put('fixmedins_code', InstitutionCode));
  try
    Result := TInstitutionInfo(Invoke('1201', Input, Options, TInstitutionInfo));
  finally
    Input.Free;
  end;
end;

function TMedicalInsuranceSDK.BenefitCheck(const PersonNo: string; const CheckItems: array of string;
  const Insutype, MedType: string; Options: TMICallOptions): TBenefitCheckResult;
var
  Input: TJValue;
begin
  Input := TJValue.Obj.Put('data', TJValue.Obj.Put('psn_no', PersonNo).Put('insutype', Insutype)
    .Put('fixmedins_code', Config.InstitutionCode).Put('med_type', MedType).Put('begntime', BeijingNow));
  try
    Result := TBenefitCheckResult(Invoke('2001', Input, Options, TBenefitCheckResult));
  finally
    Input.Free;
  end;
end;

function TMedicalInsuranceSDK.QueryPersonInfo(const CertType, CertNo, PsnName: string;
  Options: TMICallOptions): TPersonInfo;
var
  Input, Data: TJValue;
begin
  Input := TJValue.Obj;
  try
    Data := TJValue.Obj;
    Input.Put('data', Data);
    Data.Put('mdtrt_cert_type', CertType);
    Data.Put('mdtrt_cert_no', CertNo);
    // 就诊凭证 02 (居民身份证) is 人员证件类型 01
    if CertType = '02' then Data.Put('psn_cert_type', '01') else Data.Put('psn_cert_type', CertType);
    Data.Put('certno', CertNo);
    if PsnName <> '' then Data.Put('psn_name', PsnName);
    Result := TPersonInfo(Invoke('1101', Input, Options, TPersonInfo));
  finally
    Input.Free;
  end;
end;

function TMedicalInsuranceSDK.Batch(Envelope: TJValue): TJValue;
begin
  Result := Envelope.Get('data');
  if (Result = nil) or (Result.Kind <> jkObject) then Result := nil;
end;

function TMedicalInsuranceSDK.BatchStatus(const BatchId: string; Page, PageSize: Integer): TJValue;
begin
  Result := Send('GET', 'batch/status/' + UrlEncode(BatchId) + '?page=' + IntToStr(Page) + '&page_size='
    + IntToStr(PageSize), '', 'query', '', nil);
end;

function TMedicalInsuranceSDK.BatchUpload(Operations: TJValue; const BatchId: string; StopOnError: Boolean;
  TimeoutSeconds: Double): TMIBatchResult;
var
  Body, Options, Envelope, View, Rows, Row, Pagination: TJValue;
  Id: string;
  Deadline: TDateTime;
  Page, I, Wait: Integer;
  Item: TMIBatchItem;
  More: Boolean;
begin
  Id := BatchId;
  if Id = '' then Id := 'BATCH' + FormatDateTime('yyyymmddhhnnss', Now) + UpperCase(Copy(NewRequestId, 4, 8));
  Body := TJValue.Obj;
  try
    Body.Put('batch_id', Id);
    Body.Put('operations', Operations.Clone);
    Options := TJValue.Obj;
    Options.Put('stop_on_error', TJValue.Bool(StopOnError));
    Options.Put('max_concurrent', TJValue.Int(5));
    Wait := 60;
    if TimeoutSeconds < Wait then Wait := Trunc(TimeoutSeconds);
    Options.Put('wait', TJValue.Int(Wait));
    Body.Put('options', Options);
    // idempotent by batch_id: a lost answer may be asked again like a read
    Envelope := Send('POST', 'batch/data-upload', Body.ToJson, 'query', '', nil);
  finally
    Body.Free;
  end;
  Deadline := Now + TimeoutSeconds / 86400;
  try
    View := Batch(Envelope);
    while (View = nil) or not ((View.S('status') = 'completed') or (View.S('status') = 'failed')) do
    begin
      if Now >= Deadline then
        // still running at the gateway: wait or ask BatchStatus, never submit it anew
        raise ErrorFor(20005, '批次 ' + Id + ' 在 ' + FloatToStr(TimeoutSeconds) + ' 秒内未完成，可用 BatchStatus 查询进度');
      Sleep(1);
      Envelope.Free;
      Envelope := nil;
      Envelope := BatchStatus(Id, 1, 1);
      View := Batch(Envelope);
    end;
    Result := TMIBatchResult.Create;
    Result.BatchId := Id;
    Result.Status := View.S('status');
    Result.StoppedEarly := StrToIntDef(View.S('skipped_count'), 0) > 0;
  finally
    Envelope.Free;
  end;
  try
    Page := 1;
    repeat
      Envelope := BatchStatus(Id, Page, 100);
      try
        View := Batch(Envelope);
        Rows := nil;
        if View <> nil then Rows := View.Get('operations');
        if (Rows <> nil) and (Rows.Kind = jkArray) then
          for I := 0 to Rows.Count - 1 do
          begin
            Row := Rows.Item(I);
            Item := TMIBatchItem.Create;
            Result.Items.Add(Item);
            Item.Sequence := StrToIntDef(Row.S('sequence'), 0);
            Item.InterfaceType := Row.S('interface_type');
            Item.Infno := Row.S('infno');
            Item.Success := Row.S('status') = 'success';
            Item.Msgid := Row.S('msgid');
            Item.ErrorCode := StrToIntDef(Row.S('error_code'), 0);
            if Item.Success then
            begin
              if Row.Get('output') <> nil then Item.Output := Row.Get('output').Clone;
            end
            else
            begin
              Item.Error := Trim(Row.S('status') + ': ' + Row.S('error_message'));
              Item.Exception_ := OperationError(Row, Envelope.S('request_id'));
            end;
          end;
        Pagination := Envelope.Get('pagination');
        More := (Pagination <> nil) and (Pagination.Get('has_next') <> nil) and Pagination.Get('has_next').AsBool;
      finally
        Envelope.Free;
      end;
      Inc(Page);
    until not More;
  except
    Result.Free;
    raise;
  end;
end;

function TMedicalInsuranceSDK.TaskFrom(Envelope: TJValue): TMITaskInfo;
var
  Data: TJValue;
begin
  try
    Result := TMITaskInfo.Create;
    Data := Envelope.Get('data');
    if (Data <> nil) and (Data.Kind = jkObject) then
    begin
      Result.TaskId := Data.S('task_id');
      Result.TaskType := Data.S('task_type');
      Result.Status := Data.S('status');
      Result.Progress := Data.S('progress');
      Result.ErrorMessage := Data.S('error_message');
      if Data.Get('result') <> nil then Result.Result := Data.Get('result').Clone;
    end;
  finally
    Envelope.Free;
  end;
end;

function TMedicalInsuranceSDK.CreateTask(const TaskType: string; TaskData: TJValue): TMITaskInfo;
var
  Body: TJValue;
begin
  Body := TJValue.Obj;
  try
    Body.Put('task_type', TaskType);
    if TaskData <> nil then Body.Put('task_data', TaskData.Clone) else Body.Put('task_data', TJValue.Obj);
    Result := TaskFrom(Send('POST', 'async/create-task', Body.ToJson, 'write', '', nil));
  finally
    Body.Free;
  end;
end;

function TMedicalInsuranceSDK.TaskStatus(const TaskId: string): TMITaskInfo;
begin
  Result := TaskFrom(Send('GET', 'async/task-status/' + UrlEncode(TaskId), '', 'query', '', nil));
end;

function TMedicalInsuranceSDK.TaskResult(const TaskId: string): TMITaskInfo;
begin
  // a failed task answers its operation's error: Send raises it
  Result := TaskFrom(Send('GET', 'async/task-result/' + UrlEncode(TaskId), '', 'query', '', nil));
end;

function TMedicalInsuranceSDK.WaitTask(const TaskId: string; TimeoutSeconds, PollSeconds: Double): TMITaskInfo;
var
  Deadline: TDateTime;
  Info: TMITaskInfo;
  Done: Boolean;
begin
  Deadline := Now + TimeoutSeconds / 86400;
  repeat
    Info := TaskStatus(TaskId);
    Done := Info.Finished;
    Info.Free;
    if Done then Break;
    if Now >= Deadline then
      // still running at the gateway: wait again (TaskStatus), never create it anew
      raise ErrorFor(20005, '任务 ' + TaskId + ' 在 ' + FloatToStr(TimeoutSeconds) + ' 秒内未完成');
    Sleep(PollSeconds);
  until False;
  Result := TaskResult(TaskId);
end;

function TMedicalInsuranceSDK.UniversalQuery(const QueryType: string; Filters: TJValue; Page,
  PageSize: Integer): TJValue;
var
  Body: TJValue;
begin
  Body := TJValue.Obj;
  try
    Body.Put('query_type', QueryType);
    if Filters <> nil then Body.Put('filters', Filters.Clone) else Body.Put('filters', TJValue.Obj);
    Body.Put('pagination', TJValue.Obj.Put('page', TJValue.Int(Page)).Put('page_size', TJValue.Int(PageSize)));
    Result := Send('POST', 'query/universal', Body.ToJson, 'query', '', nil);
  finally
    Body.Free;
  end;
end;

end.
