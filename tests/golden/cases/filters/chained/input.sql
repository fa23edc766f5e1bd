{{ ' A,b , C ' | trim | lower | replace(' ', '') | replace(',', ', ') }}
