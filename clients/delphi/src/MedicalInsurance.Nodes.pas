// Hand-written: the base classes the generated requests and results derive from.
//
//   Req := TOutpatientRegisterRequest.Create;      // generated: one typed property per bureau field
//   Req.Data.PsnNo := '4300...';  Req.Data.MedfeeSumamt := 1775.00;   // Currency: exact
//   Input := Req.ToInput;                          // {"data": {"psn_no": ..., "medfee_sumamt": 1775.00}}
//
// Only the fields that were set are sent.  A result keeps the bureau output (Raw) and reads its friendly
// names through the paths of registry/results.py: "node.field", "node[].field", "*.field", "@msgid".
unit MedicalInsurance.Nodes;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes, Contnrs, MedicalInsurance.Json, MedicalInsurance.Decimal;

type
  TMINode = class
  private
    FValues: TJValue;      // the fields set so far, in the order they were set
    FChildren: TStringList; // node name -> TMINode or TMINodeList (owned)
  protected
    function FieldName(Index: Integer): string; virtual; abstract;
    function GetS(Index: Integer): string;
    procedure SetS(Index: Integer; const V: string);
    function GetI(Index: Integer): Int64;
    procedure SetI(Index: Integer; V: Int64);
    function GetD(Index: Integer): Currency;
    procedure SetD(Index: Integer; V: Currency);
    function GetJ(Index: Integer): TJValue;
    procedure SetJ(Index: Integer; V: TJValue);
    procedure AddChild(const Name: string; Child: TObject);
  public
    constructor Create; virtual;
    destructor Destroy; override;
    // any bureau field by its name, also one the table does not list (the node takes V over)
    procedure Put(const Name: string; V: TJValue);
    function IsSet(const Name: string): Boolean;
    // this node as JSON (a new value the caller owns): its fields, then its child nodes
    function ToInput: TJValue;
  end;
  TMINodeClass = class of TMINode;

  TMINodeList = class
  private
    FItems: TObjectList;
  protected
    procedure AddNode(Item: TMINode);
  public
    constructor Create;
    destructor Destroy; override;
    function Count: Integer;
    function Node(I: Integer): TMINode;
    function ToInput: TJValue;
  end;

  // The answer to one transaction; generated subclasses add the spec's friendly names.
  TMIResult = class
  private
    FRaw: TJValue;
  protected
    function FriendlyPaths(Index: Integer): string; virtual;
    function FriendlyS(Index: Integer): string;
    function FriendlyI(Index: Integer): Int64;
    function FriendlyD(Index: Integer): Currency;
  public
    Infno: string;
    Msgid: string;
    RequestId: string;
    Message: string;
    HttpStatus: Integer;
    constructor Create; virtual;
    destructor Destroy; override;
    procedure SetRaw(V: TJValue);  // takes V over
    // the first value a registry path finds (nil when none); the result keeps it
    function Find(const Paths: string): TJValue;
    // a field of the bureau output anywhere ('*.'+Name), as text; '' when absent
    function Get(const Name: string): string;
    // the exact text of the friendly field Index (amounts: '1775.00'), '' when absent
    function FriendlyText(Index: Integer): string;
    property Raw: TJValue read FRaw;   // the bureau output exactly as the gateway passed it on
  end;
  TMIResultClass = class of TMIResult;

// the value a registry path finds in Data ('' receipt names need the result: see TMIResult.Find)
function FindPath(Data: TJValue; const Path: string): TJValue;

implementation

{ ------------------------------------------------------------------------------------------- TMINode }

constructor TMINode.Create;
begin
  inherited Create;
  FValues := TJValue.Obj;
  FChildren := TStringList.Create;
end;

destructor TMINode.Destroy;
var
  I: Integer;
begin
  for I := 0 to FChildren.Count - 1 do FChildren.Objects[I].Free;
  FChildren.Free;
  FValues.Free;
  inherited;
end;

procedure TMINode.AddChild(const Name: string; Child: TObject);
begin
  FChildren.AddObject(Name, Child);
end;

procedure TMINode.Put(const Name: string; V: TJValue);
begin
  FValues.Put(Name, V);
end;

function TMINode.IsSet(const Name: string): Boolean;
begin
  Result := FValues.IndexOf(Name) >= 0;
end;

function TMINode.GetS(Index: Integer): string;
begin
  Result := FValues.S(FieldName(Index));
end;

procedure TMINode.SetS(Index: Integer; const V: string);
begin
  FValues.Put(FieldName(Index), TJValue.Str(V));
end;

function TMINode.GetI(Index: Integer): Int64;
var
  V: TJValue;
begin
  V := FValues.Get(FieldName(Index));
  if V = nil then Result := 0 else Result := StrToInt64Def(V.Text, 0);
end;

procedure TMINode.SetI(Index: Integer; V: Int64);
begin
  FValues.Put(FieldName(Index), TJValue.Int(V));
end;

function TMINode.GetD(Index: Integer): Currency;
var
  V: TJValue;
begin
  V := FValues.Get(FieldName(Index));
  if V = nil then Result := 0 else Result := DecimalToCurrency(V.Text);
end;

procedure TMINode.SetD(Index: Integer; V: Currency);
begin
  FValues.Put(FieldName(Index), TJValue.Dec(V));
end;

function TMINode.GetJ(Index: Integer): TJValue;
begin
  Result := FValues.Get(FieldName(Index));
end;

procedure TMINode.SetJ(Index: Integer; V: TJValue);
begin
  FValues.Put(FieldName(Index), V);
end;

function TMINode.ToInput: TJValue;
var
  I: Integer;
  Child: TObject;
begin
  Result := FValues.Clone;
  for I := 0 to FChildren.Count - 1 do
  begin
    Child := FChildren.Objects[I];
    if Child is TMINodeList then
    begin
      if TMINodeList(Child).Count > 0 then Result.Put(FChildren[I], TMINodeList(Child).ToInput);
    end
    else if (Child is TMINode) and ((TMINode(Child).FValues.Count > 0) or (TMINode(Child).FChildren.Count > 0)) then
      Result.Put(FChildren[I], TMINode(Child).ToInput);
  end;
end;

{ --------------------------------------------------------------------------------------- TMINodeList }

constructor TMINodeList.Create;
begin
  inherited Create;
  FItems := TObjectList.Create(True);
end;

destructor TMINodeList.Destroy;
begin
  FItems.Free;
  inherited;
end;

procedure TMINodeList.AddNode(Item: TMINode);
begin
  FItems.Add(Item);
end;

function TMINodeList.Count: Integer;
begin
  Result := FItems.Count;
end;

function TMINodeList.Node(I: Integer): TMINode;
begin
  Result := TMINode(FItems[I]);
end;

function TMINodeList.ToInput: TJValue;
var
  I: Integer;
begin
  Result := TJValue.Arr;
  for I := 0 to Count - 1 do Result.Add(Node(I).ToInput);
end;

{ -------------------------------------------------------------------------------------------- paths }

function FindAnywhere(Data: TJValue; const Key: string): TJValue;
var
  I: Integer;
begin
  Result := nil;
  if Data = nil then Exit;
  if Data.Kind = jkObject then
  begin
    Result := Data.Get(Key);
    if (Result <> nil) and not Result.IsNull then Exit;
    Result := nil;
  end;
  if Data.Kind in [jkObject, jkArray] then
    for I := 0 to Data.Count - 1 do
    begin
      Result := FindAnywhere(Data.Item(I), Key);
      if Result <> nil then Exit;
    end;
end;

function FindPath(Data: TJValue; const Path: string): TJValue;
var
  Head, Rest: string;
  P, I: Integer;
  Node: TJValue;
begin
  Result := nil;
  if (Data = nil) or (Path = '') then Exit;
  P := Pos('.', Path);
  if P = 0 then begin Head := Path; Rest := ''; end
  else begin Head := Copy(Path, 1, P - 1); Rest := Copy(Path, P + 1, MaxInt); end;
  if Head = '*' then Exit(FindAnywhere(Data, Rest));
  if Copy(Head, Length(Head) - 1, 2) = '[]' then Head := Copy(Head, 1, Length(Head) - 2);
  if Data.Kind = jkArray then
  begin
    // a list where one object was expected: the first row that has it
    for I := 0 to Data.Count - 1 do
    begin
      Result := FindPath(Data.Item(I), Path);
      if Result <> nil then Exit;
    end;
    Exit;
  end;
  Node := Data.Get(Head);
  if (Node = nil) or Node.IsNull then Exit;
  if Rest = '' then Exit(Node);
  Result := FindPath(Node, Rest);
end;

{ ----------------------------------------------------------------------------------------- TMIResult }

constructor TMIResult.Create;
begin
  inherited Create;
end;

destructor TMIResult.Destroy;
begin
  FRaw.Free;
  inherited;
end;

procedure TMIResult.SetRaw(V: TJValue);
begin
  if V <> FRaw then FRaw.Free;
  FRaw := V;
end;

function TMIResult.FriendlyPaths(Index: Integer): string;
begin
  Result := '';
end;

function TMIResult.Find(const Paths: string): TJValue;
var
  Rest, One: string;
  P: Integer;
begin
  Result := nil;
  Rest := Paths;
  while (Result = nil) and (Rest <> '') do
  begin
    P := Pos('|', Rest);
    if P = 0 then begin One := Rest; Rest := ''; end
    else begin One := Copy(Rest, 1, P - 1); Rest := Copy(Rest, P + 1, MaxInt); end;
    if (One = '@msgid') or (One = '@request_id') then Exit(nil);  // receipts: see FriendlyText
    Result := FindPath(FRaw, One);
  end;
end;

function TMIResult.FriendlyText(Index: Integer): string;
var
  Paths: string;
  V: TJValue;
begin
  Paths := FriendlyPaths(Index);
  V := Find(Paths);
  if V <> nil then Exit(V.AsText);
  if Pos('@msgid', Paths) > 0 then Exit(Msgid);
  if Pos('@request_id', Paths) > 0 then Exit(RequestId);
  Result := '';
end;

function TMIResult.Get(const Name: string): string;
var
  V: TJValue;
begin
  V := FindAnywhere(FRaw, Name);
  if V = nil then Result := '' else Result := V.AsText;
end;

function TMIResult.FriendlyS(Index: Integer): string;
begin
  Result := FriendlyText(Index);
end;

function TMIResult.FriendlyI(Index: Integer): Int64;
begin
  Result := StrToInt64Def(FriendlyText(Index), 0);
end;

function TMIResult.FriendlyD(Index: Integer): Currency;
var
  Text: string;
begin
  Text := FriendlyText(Index);
  if Text = '' then Result := 0 else Result := DecimalToCurrency(Text);
end;

end.
