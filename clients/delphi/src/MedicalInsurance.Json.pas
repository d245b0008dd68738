// Hand-written: a small JSON tree, parser and writer that keep every number as its exact text.
//
// V := ParseJson('{"balc": 2680.50}');
// V.Get('balc').Text             -> '2680.50'  (never a Double)
// (amounts as Currency: MedicalInsurance.Decimal)
//
// fpjson (FPC) and System.JSON (Delphi) both read a fraction as a Double; amounts must stay exact, so this
// unit (plain RTL, compiled by both) is the client's only JSON code.  Strings are UTF-8 bytes under FPC's
// AnsiString and UTF-16 under Delphi's UnicodeString (UNICODE defined).
unit MedicalInsurance.Json;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes;

type
  EJsonError = class(Exception);

  TJKind = (jkNull, jkBool, jkNumber, jkString, jkArray, jkObject);

  TJValue = class
  private
    FKind: TJKind;
    FText: string;          // string value, or the number's exact text, or 'true'/'false'
    FItems: TList;          // array items / object values (owned)
    FNames: TStringList;    // object keys, parallel to FItems
  public
    constructor Create(AKind: TJKind);
    destructor Destroy; override;
    class function Str(const S: string): TJValue;
    class function Num(const Text: string): TJValue;
    class function Int(V: Int64): TJValue;
    class function Dec(V: Currency): TJValue;
    class function Bool(B: Boolean): TJValue;
    class function Null: TJValue;
    class function Obj: TJValue;
    class function Arr: TJValue;
    function Count: Integer;
    function Item(I: Integer): TJValue;
    function Name(I: Integer): string;
    function IndexOf(const Key: string): Integer;
    { the member Key of an object, nil when absent or not an object }
    function Get(const Key: string): TJValue;
    { a path of object keys: 'data.result.psn_no' }
    function Path(const Keys: string): TJValue;
    { the member's text ('' when absent or null) }
    function S(const Key: string): string;
    function Put(const Key: string; V: TJValue): TJValue; overload;
    function Put(const Key, V: string): TJValue; overload;
    function Add(V: TJValue): TJValue;
    procedure Delete(const Key: string);
    function Clone: TJValue;
    function AsText: string;
    function AsBool: Boolean;
    function IsNull: Boolean;
    function ToJson: string;
    property Kind: TJKind read FKind;
    property Text: string read FText;
  end;

function ParseJson(const Source: string): TJValue;
function JsonQuote(const S: string): string;

{ Exact decimals: number text <-> Currency (Int64 scaled by 10000) without floating point. }

implementation

uses
  MedicalInsurance.Decimal;

{ ------------------------------------------------------------------------------------------ TJValue }

constructor TJValue.Create(AKind: TJKind);
begin
  inherited Create;
  FKind := AKind;
  if AKind in [jkArray, jkObject] then FItems := TList.Create;
  if AKind = jkObject then FNames := TStringList.Create;
end;

destructor TJValue.Destroy;
var
  I: Integer;
begin
  if FItems <> nil then
    for I := 0 to FItems.Count - 1 do TObject(FItems[I]).Free;
  FItems.Free;
  FNames.Free;
  inherited;
end;

class function TJValue.Str(const S: string): TJValue;
begin
  Result := TJValue.Create(jkString);
  Result.FText := S;
end;

class function TJValue.Num(const Text: string): TJValue;
begin
  if not IsDecimalText(Text) then raise EJsonError.CreateFmt('not a JSON number: %s', [Text]);
  Result := TJValue.Create(jkNumber);
  Result.FText := Text;
end;

class function TJValue.Int(V: Int64): TJValue;
begin
  Result := Num(IntToStr(V));
end;

class function TJValue.Dec(V: Currency): TJValue;
begin
  Result := Num(CurrencyToDecimal(V));
end;

class function TJValue.Bool(B: Boolean): TJValue;
begin
  Result := TJValue.Create(jkBool);
  if B then Result.FText := 'true' else Result.FText := 'false';
end;

class function TJValue.Null: TJValue;
begin
  Result := TJValue.Create(jkNull);
end;

class function TJValue.Obj: TJValue;
begin
  Result := TJValue.Create(jkObject);
end;

class function TJValue.Arr: TJValue;
begin
  Result := TJValue.Create(jkArray);
end;

function TJValue.Count: Integer;
begin
  if FItems = nil then Result := 0 else Result := FItems.Count;
end;

function TJValue.Item(I: Integer): TJValue;
begin
  Result := TJValue(FItems[I]);
end;

function TJValue.Name(I: Integer): string;
begin
  Result := FNames[I];
end;

function TJValue.IndexOf(const Key: string): Integer;
var
  I: Integer;
begin
  Result := -1;
  if FKind <> jkObject then Exit;
  for I := 0 to FNames.Count - 1 do
    if FNames[I] = Key then Exit(I);
end;

function TJValue.Get(const Key: string): TJValue;
var
  I: Integer;
begin
  I := IndexOf(Key);
  if I < 0 then Result := nil else Result := Item(I);
end;

function TJValue.Path(const Keys: string): TJValue;
var
  Rest, Key: string;
  P: Integer;
begin
  Result := Self;
  Rest := Keys;
  while (Result <> nil) and (Rest <> '') do
  begin
    P := Pos('.', Rest);
    if P = 0 then begin Key := Rest; Rest := ''; end
    else begin Key := Copy(Rest, 1, P - 1); Rest := Copy(Rest, P + 1, MaxInt); end;
    Result := Result.Get(Key);
  end;
end;

function TJValue.S(const Key: string): string;
var
  V: TJValue;
begin
  V := Get(Key);
  if V = nil then Result := '' else Result := V.AsText;
end;

function TJValue.Put(const Key: string; V: TJValue): TJValue;
var
  I: Integer;
begin
  if FKind <> jkObject then raise EJsonError.Create('Put on a non-object');
  I := IndexOf(Key);
  if I >= 0 then
  begin
    TObject(FItems[I]).Free;
    FItems[I] := V;
  end
  else
  begin
    FNames.Add(Key);
    FItems.Add(V);
  end;
  Result := Self;
end;

function TJValue.Put(const Key, V: string): TJValue;
begin
  Result := Put(Key, TJValue.Str(V));
end;

function TJValue.Add(V: TJValue): TJValue;
begin
  if FKind <> jkArray then raise EJsonError.Create('Add on a non-array');
  FItems.Add(V);
  Result := Self;
end;

procedure TJValue.Delete(const Key: string);
var
  I: Integer;
begin
  I := IndexOf(Key);
  if I < 0 then Exit;
  TObject(FItems[I]).Free;
  FItems.Delete(I);
  FNames.Delete(I);
end;

function TJValue.Clone: TJValue;
var
  I: Integer;
begin
  Result := TJValue.Create(FKind);
  Result.FText := FText;
  for I := 0 to Count - 1 do
  begin
    if FKind = jkObject then Result.FNames.Add(FNames[I]);
    Result.FItems.Add(Item(I).Clone);
  end;
end;

function TJValue.AsText: string;
begin
  if FKind in [jkArray, jkObject] then Result := ToJson else Result := FText;
end;

function TJValue.AsBool: Boolean;
begin
  Result := (FKind = jkBool) and (FText = 'true');
end;

function TJValue.IsNull: Boolean;
begin
  Result := FKind = jkNull;
end;

function JsonQuote(const S: string): string;
var
  I: Integer;
  C: Char;
  B: TStringBuilder;
begin
  B := TStringBuilder.Create;
  try
    B.Append('"');
    for I := 1 to Length(S) do
    begin
      C := S[I];
      case C of
        '"': B.Append('\"');
        '\': B.Append('\\');
        #8: B.Append('\b');
        #9: B.Append('\t');
        #10: B.Append('\n');
        #12: B.Append('\f');
        #13: B.Append('\r');
        #0..#7, #11, #14..#31: B.Append('\u' + IntToHex(Ord(C), 4));
      else
        B.Append(C);
      end;
    end;
    B.Append('"');
    Result := B.ToString;
  finally
    B.Free;
  end;
end;

function TJValue.ToJson: string;
var
  I: Integer;
  B: TStringBuilder;
begin
  case FKind of
    jkNull: Result := 'null';
    jkBool, jkNumber: Result := FText;
    jkString: Result := JsonQuote(FText);
  else
    B := TStringBuilder.Create;
    try
      if FKind = jkArray then B.Append('[') else B.Append('{');
      for I := 0 to Count - 1 do
      begin
        if I > 0 then B.Append(',');
        if FKind = jkObject then B.Append(JsonQuote(FNames[I])).Append(':');
        B.Append(Item(I).ToJson);
      end;
      if FKind = jkArray then B.Append(']') else B.Append('}');
      Result := B.ToString;
    finally
      B.Free;
    end;
  end;
end;

{ ------------------------------------------------------------------------------------------- parser }

type
  TParser = record
    Src: string;
    P: Integer;
    procedure Fail(const Why: string);
    procedure Skip;
    function Peek: Char;
    procedure Expect(C: Char);
    function Value: TJValue;
    function StringText: string;
    function Number: TJValue;
    procedure Literal(const Word: string);
  end;

procedure TParser.Fail(const Why: string);
begin
  raise EJsonError.CreateFmt('JSON: %s at %d', [Why, P]);
end;

procedure TParser.Skip;
begin
  while (P <= Length(Src)) and CharInSet(Src[P], [' ', #9, #10, #13]) do Inc(P);
end;

function TParser.Peek: Char;
begin
  Skip;
  if P > Length(Src) then Result := #0 else Result := Src[P];
end;

procedure TParser.Expect(C: Char);
begin
  if Peek <> C then Fail('expected ' + C);
  Inc(P);
end;

procedure TParser.Literal(const Word: string);
begin
  if Copy(Src, P, Length(Word)) <> Word then Fail('bad literal');
  Inc(P, Length(Word));
end;

function CodePointText(CP: Cardinal): string;
begin
{$IFDEF UNICODE}
  if CP < $10000 then Result := Char(CP)
  else Result := Char($D800 + ((CP - $10000) shr 10)) + Char($DC00 + ((CP - $10000) and $3FF));
{$ELSE}
  // UTF-8 bytes
  if CP < $80 then Result := Chr(CP)
  else if CP < $800 then Result := Chr($C0 or (CP shr 6)) + Chr($80 or (CP and $3F))
  else if CP < $10000 then
    Result := Chr($E0 or (CP shr 12)) + Chr($80 or ((CP shr 6) and $3F)) + Chr($80 or (CP and $3F))
  else
    Result := Chr($F0 or (CP shr 18)) + Chr($80 or ((CP shr 12) and $3F)) + Chr($80 or ((CP shr 6) and $3F))
      + Chr($80 or (CP and $3F));
{$ENDIF}
end;

function TParser.StringText: string;
var
  B: TStringBuilder;
  C: Char;
  CP, Low: Cardinal;
begin
  Expect('"');
  B := TStringBuilder.Create;
  try
    while True do
    begin
      if P > Length(Src) then Fail('unterminated string');
      C := Src[P];
      Inc(P);
      if C = '"' then Break;
      if C <> '\' then begin B.Append(C); Continue; end;
      if P > Length(Src) then Fail('bad escape');
      C := Src[P];
      Inc(P);
      case C of
        '"', '\', '/': B.Append(C);
        'b': B.Append(#8);
        'f': B.Append(#12);
        'n': B.Append(#10);
        'r': B.Append(#13);
        't': B.Append(#9);
        'u':
          begin
            CP := StrToInt('$' + Copy(Src, P, 4));
            Inc(P, 4);
            if (CP >= $D800) and (CP < $DC00) and (Copy(Src, P, 2) = '\u') then
            begin
              Low := StrToInt('$' + Copy(Src, P + 2, 4));
              Inc(P, 6);
              CP := $10000 + ((CP - $D800) shl 10) + (Low - $DC00);
            end;
            B.Append(CodePointText(CP));
          end;
      else
        Fail('bad escape');
      end;
    end;
    Result := B.ToString;
  finally
    B.Free;
  end;
end;

function TParser.Number: TJValue;
var
  Start: Integer;
begin
  Start := P;
  while (P <= Length(Src)) and CharInSet(Src[P], ['0'..'9', '-', '+', '.', 'e', 'E']) do Inc(P);
  Result := TJValue.Num(Copy(Src, Start, P - Start));
end;

function TParser.Value: TJValue;
var
  Key: string;
begin
  case Peek of
    '{':
      begin
        Inc(P);
        Result := TJValue.Obj;
        try
          if Peek = '}' then Inc(P)
          else
            while True do
            begin
              Key := StringText;
              Expect(':');
              Result.Put(Key, Value);
              if Peek = ',' then Inc(P) else begin Expect('}'); Break; end;
            end;
        except
          Result.Free;
          raise;
        end;
      end;
    '[':
      begin
        Inc(P);
        Result := TJValue.Arr;
        try
          if Peek = ']' then Inc(P)
          else
            while True do
            begin
              Result.Add(Value);
              if Peek = ',' then Inc(P) else begin Expect(']'); Break; end;
            end;
        except
          Result.Free;
          raise;
        end;
      end;
    '"': Result := TJValue.Str(StringText);
    't': begin Literal('true'); Result := TJValue.Bool(True); end;
    'f': begin Literal('false'); Result := TJValue.Bool(False); end;
    'n': begin Literal('null'); Result := TJValue.Null; end;
    '-', '0'..'9': Result := Number;
  else
    Fail('unexpected character');
    Result := nil;
  end;
end;

function ParseJson(const Source: string): TJValue;
var
  Parser: TParser;
begin
  Parser.Src := Source;
  Parser.P := 1;
  // a UTF-8 byte order mark (FPC) or U+FEFF (Delphi) is not part of the document
{$IFDEF UNICODE}
  if Copy(Source, 1, 1) = #$FEFF then Parser.P := 2;
{$ELSE}
  if Copy(Source, 1, 3) = #$EF#$BB#$BF then Parser.P := 4;
{$ENDIF}
  Result := Parser.Value;
  if Parser.Peek <> #0 then
  begin
    Result.Free;
    Parser.Fail('text after the document');
  end;
end;

end.
