{{ settings().schema }} {{ settings()['threads'] + 1 }}
